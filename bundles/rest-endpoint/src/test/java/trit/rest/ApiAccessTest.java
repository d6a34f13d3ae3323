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
    void bearerKeysAreCheckedExactlyAndNameTheClient() {
        List<ApiKey> keys = ApiKey.parse(List.of("alice:alpha", "beta"));
        assertEquals(new ApiAccessFilter.Access("key-2", null), ApiAccessFilter.bearer("Bearer beta", keys));
        assertEquals(new ApiAccessFilter.Access("alice", null), ApiAccessFilter.bearer("bearer   alpha ", keys));
        assertEquals("Incorrect API key provided", ApiAccessFilter.bearer("Bearer alph", keys).denial());
        assertEquals("Incorrect API key provided", ApiAccessFilter.bearer("Bearer alphaa", keys).denial());
        assertEquals("Incorrect API key provided", ApiAccessFilter.bearer("Bearer alice:alpha", keys).denial(),
                "the name is not part of the key");
        assertEquals("Missing API key: send it as 'Authorization: Bearer YOUR_KEY'", ApiAccessFilter.bearer(" ", keys).denial());
        assertEquals("The Authorization header must be 'Bearer YOUR_KEY'", ApiAccessFilter.bearer("Token alpha", keys).denial());
        assertNull(ApiAccessFilter.bearer("Token alpha", keys).client());
    }

    @Test
    void keysAreNamedByTheirPrefixOrByTheirPosition() {
        assertEquals(List.of(new ApiKey("ci-bot.1", "s3cr:et"), new ApiKey("key-2", "plain"),
                        new ApiKey("key-3", "has space:in name")),
                ApiKey.parse(List.of("ci-bot.1:s3cr:et", "plain", "has space:in name")));
        assertEquals("ApiKey[alice]", ApiKey.parse(List.of("alice:topsecret")).get(0).toString(), "never the key");
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
