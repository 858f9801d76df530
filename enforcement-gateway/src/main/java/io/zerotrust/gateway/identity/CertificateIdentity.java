package io.zerotrust.gateway.identity;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.TlsInfo;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Identity from a verified client certificate (mTLS): the user is the subject's CN (else the first e-mail SAN), the
 * device is the first URI SAN (e.g. {@code urn:device:7f3a} or a SPIFFE id). Also describes the TLS session for
 * events.
 */
public final class CertificateIdentity {

    private static final int SAN_EMAIL = 1;
    private static final int SAN_URI = 6;

    private CertificateIdentity() {
    }

    /** The client's identity from a session, or null when the client presented no certificate. */
    public static Identity from(SSLSession session) {
        X509Certificate cert = clientCertificate(session);
        if (cert == null) {
            return null;
        }
        String user = commonName(cert.getSubjectX500Principal().getName());
        String device = null;
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == SAN_URI && device == null) {
                        device = san.get(1).toString();
                    } else if (type == SAN_EMAIL && user == null) {
                        user = san.get(1).toString();
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a certificate without readable SANs still names its subject
        }
        if (user == null) {
            return Identity.failed(AuthMethod.MTLS, "no_user_in_certificate", null,
                    cert.getIssuerX500Principal().getName());
        }
        return new Identity(user, device, AuthMethod.MTLS, AuthResult.SUCCESS, null,
                cert.getIssuerX500Principal().getName());
    }

    /** The TLS facts of a session, for events. */
    public static TlsInfo describe(SSLSession session) {
        X509Certificate cert = clientCertificate(session);
        String sni = null;
        if (session instanceof ExtendedSSLSession ext) {
            for (SNIServerName name : ext.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    sni = host.getAsciiName();
                }
            }
        }
        return TlsInfo.newBuilder()
                .setVersion(session.getProtocol())
                .setCipher(session.getCipherSuite())
                .setSni(sni)
                .setClientCertSubject(cert == null ? null : cert.getSubjectX500Principal().getName())
                .setClientCertFingerprint(cert == null ? null : fingerprint(cert))
                .build();
    }

    private static X509Certificate clientCertificate(SSLSession session) {
        try {
            var certs = session.getPeerCertificates();
            return certs.length > 0 && certs[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    static String commonName(String dn) {
        try {
            for (Rdn rdn : new LdapName(dn).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    private static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return null;
        }
    }
}
