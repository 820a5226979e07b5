package io.tributary.api.security;

import io.tributary.api.config.ConfigException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * One side's TLS material and policy, with Kafka's {@code ssl.*} names: the key store (this side's certificate and
 * key), the trust store (the CAs whose certificates it accepts), whether a server asks clients for certificates, and
 * the protocols and cipher suites allowed. Stores are PKCS12, JKS or PEM (a PEM key store is one file holding an
 * unencrypted or password-encrypted PKCS#8 private key and its certificate chain; a PEM trust store holds
 * certificates). Loading is the JDK's, so any transport can build its TLS engine from {@link #keyManagers()} and
 * {@link #trustManagers()}.
 *
 * @param keystoreLocation   empty: no certificate of its own (a client without mutual TLS)
 * @param truststoreLocation empty: the JDK's default CAs
 * @param enabledProtocols   e.g. TLSv1.3, TLSv1.2; empty: the engine's defaults
 * @param cipherSuites       empty: the engine's defaults
 */
public record SslConfig(String keystoreType, String keystoreLocation, String keystorePassword, String keyPassword,
                        String truststoreType, String truststoreLocation, String truststorePassword, ClientAuth clientAuth,
                        List<String> enabledProtocols, List<String> cipherSuites) {
    /** {@code ssl.client.auth}: whether a server asks for client certificates, and whether it insists. */
    public enum ClientAuth {
        NONE, REQUESTED, REQUIRED;

        public static ClientAuth of(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("ssl.client.auth: '" + value + "' is not none, requested or required");
            }
        }
    }

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    public SslConfig {
        enabledProtocols = List.copyOf(enabledProtocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /** Everything but the passwords, which never reach a log line. */
    @Override
    public String toString() {
        return "SslConfig(keystore=" + keystoreType + ":" + keystoreLocation + ", truststore=" + truststoreType + ":"
                + truststoreLocation + ", clientAuth=" + clientAuth + ", protocols=" + enabledProtocols
                + ", cipherSuites=" + cipherSuites + ")";
    }

    public boolean hasKeystore() {
        return !keystoreLocation.isBlank();
    }

    /** This side's certificate and key, or null when it has none. */
    public KeyManagerFactory keyManagers() {
        if (!hasKeystore()) {
            return null;
        }
        char[] keyPass = (keyPassword.isEmpty() ? keystorePassword : keyPassword).toCharArray();
        try {
            KeyStore store;
            if (keystoreType.equalsIgnoreCase("PEM")) {
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                String pem = read("ssl.keystore.location", keystoreLocation);
                List<Certificate> chain = certificates(pem);
                if (chain.isEmpty()) {
                    throw new ConfigException("ssl.keystore.location: " + keystoreLocation + " holds no CERTIFICATE block");
                }
                store.setKeyEntry("key", privateKey(pem, keyPass), keyPass, chain.toArray(Certificate[]::new));
            } else {
                store = load("ssl.keystore", keystoreType, keystoreLocation, keystorePassword);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, keyPass);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("ssl.keystore.location: cannot use " + keystoreLocation + ": " + e.getMessage());
        }
    }

    /** The CAs this side trusts; the JDK's defaults when no trust store is set. */
    public TrustManagerFactory trustManagers() {
        try {
            KeyStore store = null;
            if (!truststoreLocation.isBlank()) {
                if (truststoreType.equalsIgnoreCase("PEM")) {
                    store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    List<Certificate> cas = certificates(read("ssl.truststore.location", truststoreLocation));
                    if (cas.isEmpty()) {
                        throw new ConfigException("ssl.truststore.location: " + truststoreLocation + " holds no CERTIFICATE block");
                    }
                    for (int i = 0; i < cas.size(); i++) {
                        store.setCertificateEntry("ca-" + i, cas.get(i));
                    }
                } else {
                    store = load("ssl.truststore", truststoreType, truststoreLocation, truststorePassword);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("ssl.truststore.location: cannot use " + truststoreLocation + ": " + e.getMessage());
        }
    }

    private static KeyStore load(String prefix, String type, String location, String password) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type.isBlank() ? "PKCS12" : type.toUpperCase(Locale.ROOT));
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password.isEmpty() ? null : password.toCharArray());
        } catch (IOException e) {
            // A wrong password surfaces as an IOException from load(): say which setting to check.
            throw new ConfigException(prefix + ".location: cannot read " + location + " as " + store.getType() + " ("
                    + e.getMessage() + "); check " + prefix + ".type and " + prefix + ".password");
        }
        return store;
    }

    private static String read(String key, String location) {
        try {
            return Files.readString(Path.of(location), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(key + ": cannot read " + location + ": " + e.getMessage());
        }
    }

    private static List<Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<Certificate> out = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            if (m.group(1).equals("CERTIFICATE")) {
                out.add(factory.generateCertificate(new ByteArrayInputStream(decode(m.group(2)))));
            }
        }
        return out;
    }

    private static PrivateKey privateKey(String pem, char[] password) throws GeneralSecurityException, IOException {
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            byte[] der = decode(m.group(2));
            switch (m.group(1)) {
                case "PRIVATE KEY" -> {
                    return pkcs8(new PKCS8EncodedKeySpec(der));
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
                    SecretKeyFactory skf = SecretKeyFactory.getInstance(info.getAlgName());
                    Cipher cipher = Cipher.getInstance(info.getAlgName());
                    cipher.init(Cipher.DECRYPT_MODE, skf.generateSecret(new PBEKeySpec(password)), info.getAlgParameters());
                    return pkcs8(info.getKeySpec(cipher));
                }
                default -> {
                    // Certificates and anything else: not the key.
                }
            }
        }
        throw new ConfigException("ssl.keystore.location: the PEM key store holds no PKCS#8 PRIVATE KEY or ENCRYPTED PRIVATE KEY"
                + " block (convert a traditional RSA key with: openssl pkcs8 -topk8)");
    }

    private static PrivateKey pkcs8(PKCS8EncodedKeySpec spec) throws GeneralSecurityException {
        for (String algorithm : new String[]{"RSA", "EC", "Ed25519", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException notThisOne) {
                // Try the next algorithm: PKCS#8 names it, but KeyFactory wants it up front.
            }
        }
        throw new InvalidKeySpecException("a PKCS#8 key of an unsupported algorithm");
    }

    private static byte[] decode(String base64) {
        return Base64.getMimeDecoder().decode(base64.trim());
    }
}
