package trit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The key check, the loopback rule and the lists from {@code .cfg} files. */
class ApiAccessTest {

    @Test
    void bearerKeysAreCheckedExactly() {
        List<String> keys = List.of("alpha", "beta");
        assertNull(ApiAccessFilter.bearer("Bearer beta", keys));
        assertNull(ApiAccessFilter.bearer("bearer   alpha ", keys));
        assertEquals("Incorrect API key provided", ApiAccessFilter.bearer("Bearer alph", keys));
        assertEquals("Incorrect API key provided", ApiAccessFilter.bearer("Bearer alphaa", keys));
        assertEquals("Missing API key: send it as 'Authorization: Bearer YOUR_KEY'", ApiAccessFilter.bearer(" ", keys));
        assertEquals("The Authorization header must be 'Bearer YOUR_KEY'", ApiAccessFilter.bearer("Token alpha", keys));
    }

    @Test
    void listsFromCfgFilesAreSplitOnCommas() {
        assertEquals(List.of("a", "b", "c"), ApiAccessFilter.split(new String[] {"a, b", " c ", ""}));
        assertEquals(List.of(), ApiAccessFilter.split(new String[0]));
        assertEquals(List.of(), ApiAccessFilter.split(null));
    }

    @Test
    void onlyLoopbackLiteralsAreLoopback() {
        assertTrue(ApiAccessFilter.isLoopbackAddress("127.0.0.1"));
        assertTrue(ApiAccessFilter.isLoopbackAddress("::1"));
        assertTrue(ApiAccessFilter.isLoopbackAddress("127.8.9.10"));
        assertFalse(ApiAccessFilter.isLoopbackAddress("10.0.0.5"));
        assertFalse(ApiAccessFilter.isLoopbackAddress("localhost"), "names are never looked up");
        assertFalse(ApiAccessFilter.isLoopbackAddress(null));
        assertTrue(RestApplication.isLoopback("127.0.0.1"));
        assertFalse(RestApplication.isLoopback("0.0.0.0"));
        assertFalse(RestApplication.isLoopback(null), "no host means every address");
    }
}
