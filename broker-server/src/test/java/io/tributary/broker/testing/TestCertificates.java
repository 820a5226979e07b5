package io.tributary.broker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and certificates it signs, made with the JDK's {@code keytool} (no other tool
 * needed): PKCS12 key stores, a PKCS12 trust store, and the CA certificate as PEM. Every certificate is valid for
 * two days and names 127.0.0.1 and localhost, so host-name verification passes on loopback.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-password";

    private final Path dir;
    private final String caName;

    private TestCertificates(Path dir, String caName) {
        this.dir = dir;
        this.caName = caName;
    }

    /** A new CA named {@code caName} under {@code dir}, with its trust store. */
    public static TestCertificates newAuthority(Path dir, String caName) throws Exception {
        Files.createDirectories(dir);
        TestCertificates ca = new TestCertificates(dir, caName);
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=" + caName, "-ext", "bc:c", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-keystore", ca.caStore().toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.caStore().toString(), "-storepass", PASSWORD,
                "-file", ca.caPem().toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", ca.caPem().toString(), "-keystore", ca.truststore().toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        return ca;
    }

    private Path caStore() {
        return dir.resolve(caName + "-ca.p12");
    }

    /** The CA's certificate, PEM. */
    public Path caPem() {
        return dir.resolve(caName + "-ca.pem");
    }

    /** A PKCS12 trust store holding the CA certificate (password {@link #PASSWORD}). */
    public Path truststore() {
        return dir.resolve(caName + "-truststore.p12");
    }

    /**
     * A PKCS12 key store (password {@link #PASSWORD}) with a key and a certificate for {@code subject} (for example
     * {@code CN=alice,OU=clients}) signed by this CA, the chain included.
     */
    public Path issue(String name, String subject) throws Exception {
        Path store = dir.resolve(caName + "-" + name + ".p12");
        Path csr = dir.resolve(caName + "-" + name + ".csr");
        Path cert = dir.resolve(caName + "-" + name + ".pem");
        keytool("-genkeypair", "-alias", name, "-dname", subject, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-storepass", PASSWORD, "-file", csr.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", caStore().toString(), "-storepass", PASSWORD, "-infile", csr.toString(),
                "-outfile", cert.toString(), "-rfc", "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem().toString(), "-keystore", store.toString(),
                "-storepass", PASSWORD);
        keytool("-importcert", "-alias", name, "-file", cert.toString(), "-keystore", store.toString(), "-storepass", PASSWORD);
        return store;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("keytool did not finish within 60 s: " + cmd);
            }
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
        }
    }
}
