package trit.bitnet.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of model files, computed once per file version (path, size, modification time): a
 * multi-gigabyte model is read once, not at every reload.
 */
final class FileDigests {

    private record Version(Path path, long size, long modified) {
    }

    private static final Map<Version, String> DIGESTS = new ConcurrentHashMap<>();

    private FileDigests() {
    }

    static String sha256(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        Version version = new Version(file.toAbsolutePath().normalize(), attributes.size(),
                attributes.lastModifiedTime().toMillis());
        String known = DIGESTS.get(version);
        if (known != null) {
            return known;
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        String hex = HexFormat.of().formatHex(digest.digest());
        DIGESTS.put(version, hex);
        return hex;
    }
}
