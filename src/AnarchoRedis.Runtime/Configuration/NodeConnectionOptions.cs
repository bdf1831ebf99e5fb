using System;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// How the client connects to every node: the Redis user, TLS and certificates (<see cref="AnarchoRedisOptions.Connection"/>;
/// bind it from the <c>AnarchoRedis:Connection</c> configuration section). Each setting applies to every node, on top of
/// what the node's own configuration string says (<c>"redis-a:6380,ssl=true,user=…,password=…"</c>); a user or password
/// given in a node's string wins over the one given here. docs/security.md shows a whole TLS and ACL setup.
/// </summary>
public sealed class NodeConnectionOptions
{
    /// <summary>The Redis ACL user (Redis 6+) for every node whose configuration string names none; <see langword="null"/>: the <c>default</c> user.</summary>
    public string? User { get; set; }

    /// <summary>The password for every node whose configuration string gives none.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Whether every node is reached over TLS (as <c>ssl=true</c> in each node's string). Setting a certificate below
    /// turns TLS on too. Default <see langword="false"/>.
    /// </summary>
    public bool Tls { get; set; }

    /// <summary>
    /// The name the nodes' server certificates must carry (as <c>sslHost=</c>), when it is not the host or IP address in
    /// the node's endpoint (for example the nodes are reached through addresses their certificates do not name).
    /// </summary>
    public string? TlsHost { get; set; }

    /// <summary>
    /// A PEM or DER file holding the certificate of the authority that signed the nodes' server certificates: the client
    /// trusts a server certificate that chains to it (and names the host), even when the machine does not trust that
    /// authority. <see langword="null"/>: the machine's trusted roots decide.
    /// </summary>
    public string? TrustedCaCertificatePath { get; set; }

    /// <summary>
    /// A PEM file holding the client certificate the client presents to nodes that require one
    /// (<c>tls-auth-clients yes</c>); <see cref="ClientKeyPath"/> gives its private key.
    /// </summary>
    public string? ClientCertificatePath { get; set; }

    /// <summary>The PEM file holding the private key of <see cref="ClientCertificatePath"/> (PKCS#8 or RSA/EC key).</summary>
    public string? ClientKeyPath { get; set; }

    /// <summary>
    /// Runs last on every node's StackExchange.Redis configuration, after the settings above and the library's own
    /// (timeouts, RESP2, retry policy): for anything else, such as a certificate from a store
    /// (<see cref="ConfigurationOptions.CertificateSelection"/>) or a custom validation callback. Code only (it cannot
    /// come from configuration). Changing the library's timeouts, protocol or back-log policy here is unsupported.
    /// </summary>
    public Action<ConfigurationOptions>? Configure { get; set; }

    /// <summary>Applies these settings to one node's parsed configuration.</summary>
    /// <param name="config">The node's configuration.</param>
    internal void ApplyTo(ConfigurationOptions config)
    {
        config.User ??= User;
        config.Password ??= Password;
        if (Tls || TrustedCaCertificatePath is not null || ClientCertificatePath is not null)
        {
            config.Ssl = true;
        }

        if (TlsHost is not null)
        {
            config.SslHost = TlsHost;
        }

        if (TrustedCaCertificatePath is not null)
        {
            config.TrustIssuer(TrustedCaCertificatePath);
        }

        if (ClientCertificatePath is not null && ClientKeyPath is not null)
        {
            config.SetUserPemCertificate(ClientCertificatePath, ClientKeyPath);
        }
    }
}
