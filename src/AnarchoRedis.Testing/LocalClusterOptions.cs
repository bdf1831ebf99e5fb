using System;
using System.Collections.Generic;

namespace AnarchoRedis.Testing;

/// <summary>What <see cref="LocalCluster.StartAsync"/> starts.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>The number of nodes, N (default 3).</summary>
    public int NodeCount { get; set; } = 3;

    /// <summary>What each node runs (default <see cref="LocalNodeBackend.RedisServer"/>).</summary>
    public LocalNodeBackend Backend { get; set; } = LocalNodeBackend.RedisServer;

    /// <summary>
    /// redis-server only: <c>--appendonly yes --appendfsync always</c>, so every write a node acknowledged survives
    /// a <see cref="LocalNode.Kill"/> and a <see cref="RestartMode.KeepData"/> restart.
    /// </summary>
    public bool Persistence { get; set; }

    /// <summary>Whether a <see cref="TcpProxy"/> stands in front of every node (default on): needed for partitions and latency.</summary>
    public bool Proxies { get; set; } = true;

    /// <summary>Extra redis-server arguments, e.g. <c>"--requirepass", "s3cret"</c> (the direct connections use that password).</summary>
    public IList<string> ServerArguments { get; } = new List<string>();

    /// <summary>The redis-server binary; default: <c>$REDIS_SERVER</c>, then <c>$PATH</c>, <c>/usr/bin</c>, <c>/usr/local/bin</c>.</summary>
    public string? RedisServerPath { get; set; }

    /// <summary>
    /// redis-server only: TLS-only nodes (<c>--port 0 --tls-port P</c>) with these certificates; <see langword="null"/>
    /// (default): plain TCP. The proxies relay the encrypted bytes unchanged. <see cref="LocalCluster.CreateOptions"/>
    /// then gives clients the CA to trust and the client certificate, and the nodes' direct connections use them too.
    /// </summary>
    public LocalCertificates? Tls { get; set; }

    /// <summary>
    /// With <see cref="Tls"/>: whether nodes accept only clients presenting a certificate signed by the CA
    /// (<c>--tls-auth-clients yes</c>, the default) or any TLS client (<c>no</c>).
    /// </summary>
    public bool RequireClientCertificate { get; set; } = true;

    /// <summary>
    /// redis-server only: ACL users each node knows from its start (an ACL file), each written as the arguments of
    /// <c>ACL SETUSER</c>: <c>"anarcho on &gt;secret ~app:* +get"</c>. When any is given, the <c>default</c> user is
    /// the kit's admin user, with the password of <c>--requirepass</c> in <see cref="ServerArguments"/> or a random one,
    /// which only the nodes' direct connections (<see cref="LocalNode.Db"/>) use; clients must log in as one of these users.
    /// </summary>
    public IList<string> AclUsers { get; } = new List<string>();

    /// <summary>How long a node may take to answer PING after it was started (default 10 s).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
