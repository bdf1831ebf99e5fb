using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace AnarchoRedis.Testing.Processes;

/// <summary>How a redis-server node is secured: TLS-only with the kit's certificates, and an ACL file of users.</summary>
internal sealed class NodeSecurity
{
    private readonly Lazy<X509Certificate2?> _clientCertificate;

    public NodeSecurity(LocalCertificates? tls, bool requireClientCertificate, IReadOnlyList<string> aclUsers, string? adminPassword)
    {
        Tls = tls;
        RequireClientCertificate = requireClientCertificate;
        AdminPassword = adminPassword;
        if (aclUsers.Count > 0)
        {
            var text = new StringBuilder();
            // The default user is the kit's admin: the direct connections log in as it.
            text.Append("user default on >").Append(adminPassword).Append(" ~* &* +@all\n");
            foreach (var user in aclUsers)
            {
                if (user.Contains('\n', StringComparison.Ordinal))
                {
                    throw new ArgumentException($"An ACL user is one line of ACL SETUSER arguments: '{user}'.", nameof(aclUsers));
                }

                text.Append("user ").Append(user.Trim()).Append('\n');
            }

            AclFileText = text.ToString();
        }

        _clientCertificate = new(() => tls is null ? null : X509Certificate2.CreateFromPemFile(tls.ClientCertificatePath, tls.ClientKeyPath), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The certificates of a TLS-only node, or null for plain TCP.</summary>
    public LocalCertificates? Tls { get; }

    /// <summary>With <see cref="Tls"/>: <c>--tls-auth-clients yes</c>.</summary>
    public bool RequireClientCertificate { get; }

    /// <summary>The ACL file's text, or null when the node has no users beyond <c>default</c>.</summary>
    public string? AclFileText { get; }

    /// <summary>The password of the <c>default</c> user (the kit's admin), or null for none.</summary>
    public string? AdminPassword { get; }

    /// <summary>The kit's client certificate with its key, for the readiness probe (null without TLS).</summary>
    public X509Certificate2? ClientCertificate => _clientCertificate.Value;
}
