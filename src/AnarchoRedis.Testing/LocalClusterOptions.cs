using System;
using System.Collections.Generic;

namespace AnarchoRedis.Testing;

/// <summary>What <see cref="LocalCluster.StartAsync"/> starts.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>
    /// The number of replicas, N (default 3): N standalone nodes, or with <see cref="ClusterMode"/> N Redis Clusters
    /// (<see cref="LocalCluster.Replicas"/>).
    /// </summary>
    public int NodeCount { get; set; } = 3;

    /// <summary>
    /// redis-server only: each replica is a whole Redis Cluster of <see cref="ShardsPerReplica"/> shards (default off:
    /// each replica is one standalone redis-server, as before). With one shard it is a one-shard cluster, so a
    /// cluster client's behaviour can be tested apart from sharding. Not with <see cref="Tls"/> or <see cref="AclUsers"/>.
    /// </summary>
    public bool ClusterMode { get; set; }

    /// <summary>With <see cref="ClusterMode"/>: the shards (primaries) per replica, S (default 1); slots are split evenly.</summary>
    public int ShardsPerReplica { get; set; } = 1;

    /// <summary>With <see cref="ClusterMode"/>: a replica per shard (1), for failover, or none (0, the default).</summary>
    public int ShardReplicas { get; set; }

    /// <summary>
    /// With <see cref="ClusterMode"/>: <c>cluster-node-timeout</c> (default 2 s): how long a server may be unreachable
    /// on the cluster bus before its peers mark it failed (and its replica, if any, takes over).
    /// </summary>
    public TimeSpan ClusterNodeTimeout { get; set; } = TimeSpan.FromSeconds(2);

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
