using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AnarchoRedis.Testing;

/// <summary>
/// A throw-away certificate authority for TLS tests, made in code (no openssl step): a CA certificate, a server
/// certificate for <c>127.0.0.1</c> and <c>localhost</c>, and a client certificate, all signed by the CA and written as PEM
/// files to a temporary directory, the form redis-server reads (<c>--tls-cert-file</c>, <c>--tls-key-file</c>,
/// <c>--tls-ca-cert-file</c>) and <see cref="NodeConnectionOptions"/> takes. Keys are ECDSA P-256; certificates are
/// valid from a day ago for a year. Dispose removes the files.
/// </summary>
public sealed class LocalCertificates : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly X509Certificate2 _ca;

    private LocalCertificates(string directory, ECDsa caKey, X509Certificate2 ca)
    {
        Directory = directory;
        _caKey = caKey;
        _ca = ca;
        CaCertificatePath = Path.Combine(directory, "ca.crt");
        File.WriteAllText(CaCertificatePath, ca.ExportCertificatePem());
        (ServerCertificatePath, ServerKeyPath) = Issue("server", "redis-server", server: true);
        (ClientCertificatePath, ClientKeyPath) = IssueClientCertificate("anarchoredis-client");
    }

    /// <summary>The directory that holds the files.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (PEM): what redis-server checks client certificates against, and what clients trust.</summary>
    public string CaCertificatePath { get; }

    /// <summary>The server certificate (PEM), for <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>.</summary>
    public string ServerCertificatePath { get; }

    /// <summary>The server certificate's private key (PKCS#8 PEM).</summary>
    public string ServerKeyPath { get; }

    /// <summary>A client certificate (PEM) signed by the CA, for nodes that require one.</summary>
    public string ClientCertificatePath { get; }

    /// <summary>The client certificate's private key (PKCS#8 PEM).</summary>
    public string ClientKeyPath { get; }

    /// <summary>Creates the authority and its server and client certificates in a new temporary directory.</summary>
    /// <returns>The certificates.</returns>
    public static LocalCertificates Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("anarchoredis-tls-").FullName;
        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=AnarchoRedis test CA", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        try
        {
            return new LocalCertificates(directory, caKey, ca);
        }
        catch
        {
            ca.Dispose();
            caKey.Dispose();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Issues another client certificate signed by this authority (for example one per test user).</summary>
    /// <param name="commonName">The certificate's CN; also its file names in <see cref="Directory"/>.</param>
    /// <returns>The certificate and key files (PEM).</returns>
    public (string CertificatePath, string KeyPath) IssueClientCertificate(string commonName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        return Issue(commonName, commonName, server: false);
    }

    /// <summary>Removes the files.</summary>
    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private (string Certificate, string Key) Issue(string fileName, string commonName, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication") : new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")],
            critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddDays(-1), now.AddYears(1), serial);
        var certificatePath = Path.Combine(Directory, fileName + ".crt");
        var keyPath = Path.Combine(Directory, fileName + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (certificatePath, keyPath);
    }
}
