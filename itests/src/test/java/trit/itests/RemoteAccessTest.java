package trit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import javax.inject.Inject;

import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.CoreOptions;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The server listening on every address: without API keys only loopback clients are served;
 * with keys, any client that sends one. Needs a non-loopback IPv4 address on this machine
 * (skipped, visibly, without one).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RemoteAccessTest {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] configuration() {
        return TritFramework.options(CoreOptions.frameworkProperty("org.apache.felix.http.host").value("0.0.0.0"));
    }

    @Test
    public void withoutKeysOnlyLoopbackClientsAreServed() throws Exception {
        InetAddress address = siteAddress();
        if (address == null) {
            System.out.println("SKIPPED: RemoteAccessTest needs a non-loopback IPv4 address");
        }
        Assume.assumeTrue("no non-loopback IPv4 address", address != null);
        int port = Integer.parseInt(context.getProperty(TritFramework.HTTP_PORT));
        Http local = Http.whenStarted(context);
        Http remote = new Http(address.getHostAddress(), port);

        assertEquals(200, local.get("/v1/models").status());
        assertEquals("No API key is configured on this server, so it answers only clients on 127.0.0.1; "
                + "configure api.keys in trit.rest to serve others",
                remote.get("/v1/models").assertError(401, "invalid_api_key"));
        assertTrue("probes need no key (200, or 503 here with no provider to answer)", Http.healthAnswers(remote.get("/health")));

        Path cfg = Path.of(context.getProperty(TritFramework.CONFIG_DIR)).resolve("trit.rest.cfg");
        try {
            Files.writeString(cfg, "api.keys = remote-key\n");
            local.await("/health", r -> remote.request("GET", "/v1/models", "Authorization", "Bearer remote-key")
                    .status() == 200, "the key to apply");
            assertEquals("Incorrect API key provided", remote.request("GET", "/v1/models", "Authorization",
                    "Bearer other").assertError(401, "invalid_api_key"));
            assertEquals("with keys, loopback clients need one too", 401, local.get("/v1/models").status());
        } finally {
            Files.deleteIfExists(cfg);
        }
    }

    private static InetAddress siteAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return address;
                    }
                }
            }
        }
        return null;
    }
}
