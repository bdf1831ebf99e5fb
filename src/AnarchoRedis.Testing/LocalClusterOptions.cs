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

    /// <summary>How long a node may take to answer PING after it was started (default 10 s).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
