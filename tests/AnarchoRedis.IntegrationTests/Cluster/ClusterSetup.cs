using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
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

    /// <summary>
    /// Writes <paramref name="keys"/> round after round (each value names its key and round) until <paramref name="stop"/>,
    /// recording the last acknowledged value of each key; a write that did not reach its quorum is owed to no one.
    /// <paramref name="readBack"/>: also read each key back after its write (a quorum read, not checked here).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> WriteUnderLoadAsync(ReplicatedValueStore<Profile> profiles, IReadOnlyList<string> keys, CancellationToken stop, bool readBack = false)
    {
        var acknowledged = new ConcurrentDictionary<string, string>();
        for (var round = 0; !stop.IsCancellationRequested; round++)
        {
            foreach (var key in keys)
            {
                var name = $"{key}@{round}";
                try
                {
                    await profiles.SetAsync(key, new Profile { Id = round, Name = name }, WriteOptions.Quorum);
                    acknowledged[key] = name;
                    if (readBack)
                    {
                        _ = await profiles.GetAsync(key, ReadOptions.Quorum);
                    }
                }
                catch (QuorumNotReachedException)
                {
                    // Not acknowledged: not owed to anyone.
                }
            }
        }

        return acknowledged;
    }
}
