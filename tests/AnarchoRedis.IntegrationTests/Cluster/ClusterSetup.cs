using System;
using System.Linq;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>What the tests of replicas that are Redis Clusters share: the layout, the client options, keys placed on a shard.</summary>
internal static class ClusterSetup
{
    /// <summary>How long a state the probe sets (every 500 ms) may take to show on a loaded machine.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(15);

    /// <summary>3 replicas, each a Redis Cluster of 3 shards.</summary>
    public static LocalClusterOptions ThreeByThree => new() { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 3 };

    /// <summary>No hints and no background passes: the tests make replicas miss writes and count what repairs them.</summary>
    public static void NoHints(AnarchoRedisOptions options)
    {
        options.NodeTimeout = RedisCluster.DefaultNodeTimeout;
        options.Hints.Enabled = false;
        options.AntiEntropy.Enabled = false;
        options.AntiEntropy.MaxKeysPerSecond = 0;
    }

    /// <summary>A key whose slot is owned by the replica's shard <paramref name="shard"/>.</summary>
    public static string KeyOnShard(LocalReplica replica, int shard, string prefix) => KeysOnShard(replica, shard, prefix, 1)[0];

    /// <summary><paramref name="count"/> keys whose slots are owned by the replica's shard <paramref name="shard"/>.</summary>
    public static string[] KeysOnShard(LocalReplica replica, int shard, string prefix, int count) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"{prefix}:{i}").Where(k => replica.ShardOfKey(k).Index == shard).Take(count).ToArray();
}
