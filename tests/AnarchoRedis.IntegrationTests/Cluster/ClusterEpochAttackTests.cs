using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;
using static AnarchoRedis.IntegrationTests.Cluster.ClusterSetup;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>
/// Attacks on the per-slot epochs of cluster replicas (review of issue 17). Each test is a sequence of faults within the
/// guarantees (one replica loses data between repairs; W + R > N) after which the library must not count a copy that
/// lacks an acknowledged write. They fail on the code as reviewed; the report names the fix for each.
/// </summary>
public sealed class ClusterEpochAttackTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    /// <summary>
    /// A SCAN pass issues keyless SCANs, which StackExchange.Redis sends to one shard of a cluster node; it reports clean
    /// and then sets every filling slot of the node ready, slots it never looked at included.
    /// </summary>
    [Fact]
    public async Task A_scan_pass_that_did_not_reach_every_shard_does_not_set_a_wiped_replica_ready()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 4 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var (replica0, replica1, replica2) = (cluster.Replicas[0], cluster.Replicas[1], cluster.Replicas[2]);

        // Two keys per shard index, acknowledged by replicas 0 and 1 while replica 2 is cut off (it misses them).
        var keys = Enumerable.Range(0, 4).SelectMany(s => new[] { KeyOnShard(replica0, s, $"profile:s{s}a"), KeyOnShard(replica0, s, $"profile:s{s}b") }).ToArray();
        foreach (var shard in replica2.Shards)
        {
            shard.Primary.Partition(PartitionMode.Reset);
        }

        foreach (var key in keys)
        {
            Assert.Equal(2, (await profiles.SetAsync(key, new Profile { Id = 1, Name = key }, WriteOptions.Quorum)).Acknowledged);
        }

        foreach (var shard in replica2.Shards)
        {
            shard.Primary.Heal();
        }

        // Replica 1 loses everything (one replica lost: within N - W); its slots are filling.
        foreach (var shard in replica1.Shards)
        {
            await shard.Primary.RestartAsync(RestartMode.LoseData);
        }

        await replica1.WaitUntilStableAsync();
        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[1].Shards.Count == 4 && client.Health[1].Shards.All(s => s.State == NodeHealthState.Filling) && client.Health[2].Shards.All(s => s.State == NodeHealthState.Healthy)),
            "replica 1 filling, replica 2 back: " + string.Join("; ", client.Health.SelectMany(h => h.Shards).Select(s => $"{s.Name}={s.State}")), Settle);

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Scan);
        if (!report.IsClean)
        {
            // A pass that says it did not finish leaves the slots filling: nothing more to check.
            return;
        }

        // A clean pass: every replica identical (the bar), and no read answers "absent" for an acknowledged write.
        foreach (var shard in replica0.Shards)
        {
            shard.Primary.Partition(PartitionMode.Reset);
        }

        var lost = new List<string>();
        foreach (var key in keys)
        {
            try
            {
                if ((await profiles.GetAsync(key, ReadOptions.Quorum))?.Name != key)
                {
                    lost.Add(key);
                }
            }
            catch (QuorumNotReachedException)
            {
                // Refusing is right when replica 1 is still filling.
            }
        }

        Assert.True(lost.Count == 0, $"a clean SCAN pass set replica 1 ready without its keys; acknowledged writes read as absent: {string.Join(", ", lost)}");
    }

    /// <summary>
    /// A shard restarts from an old file after the pass compared it and before the pass's epoch_ready: the probe in
    /// between turns the reloaded 'ready' epochs filling under the new run id, keeping their id, so epoch_ready (which
    /// checks the id seen at the pass start and the run id of the last check) sets the shard ready again, without
    /// what it lost.
    /// </summary>
    [Fact]
    public async Task A_shard_restarted_from_an_old_file_after_the_pass_compared_it_is_not_set_ready_by_that_pass()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, ClusterMode = true, ShardsPerReplica = 3 });
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica1 = cluster.Replicas[1];
        var key = KeyOnShard(replica1, 0, "profile:late");
        var shard = replica1.ShardOfKey(key);
        Assert.Equal(3, (await profiles.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All)).Acknowledged);

        // An old backup of the shard (epochs ready, v1); the shard restarts from it once, so its slots are filling.
        await shard.Primary.SnapshotAsync();
        await shard.Primary.RestartAsync(RestartMode.FromSnapshot);
        await replica1.WaitUntilStableAsync();
        var marker = await MarkerOfAsync(shard, replica1.Connection.HashSlot(key));
        await Eventually.HoldsAsync(async () => await RestampedFillingAsync(replica1, shard, marker), "the restarted shard's slot is filling", Settle);

        var injected = false;
        var progress = new SyncProgress(p =>
        {
            if (injected || p.Phase != AntiEntropyPhase.Repairing || p.Total != HashSlot.Count || p.Done != p.Total)
            {
                return;
            }

            // Every slot compared; the pass has not set anything ready yet.
            injected = true;
            InjectAsync().GetAwaiter().GetResult();
        });

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Digests, progress);
        Assert.True(injected, "the pass reported its last batch");
        Assert.True(report.IsClean, report.ToString());

        // Replica 0 cut off: the read goes to replicas 1 (restarted from the old backup: lacks v2) and 2 (missed v2).
        await Eventually.HoldsAsync(() => Task.FromResult(client.Health[2].Shards.All(s => s.State == NodeHealthState.Healthy)), "replica 2 verified again", Settle);
        cluster.Replicas[0].ShardOfKey(key).Primary.Partition(PartitionMode.Reset);
        string? seen;
        try
        {
            seen = (await profiles.GetAsync(key, ReadOptions.Quorum))?.Name;
        }
        catch (QuorumNotReachedException)
        {
            seen = "refused";
        }

        Assert.True(seen != "v1", "the acknowledged v2 was read as v1: the pass set the restarted shard's slot ready");

        async Task InjectAsync()
        {
            // v2 is acknowledged by replicas 0 and 1; replica 2 is cut off and misses it.
            var cut = cluster.Replicas[2].ShardOfKey(key).Primary;
            cut.Partition(PartitionMode.Reset);
            Assert.Equal(2, (await profiles.SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.Quorum)).Acknowledged);
            cut.Heal();

            // Replica 1's shard restarts from the old backup (loses v2: one replica lost data), and the probe sees it.
            await shard.Primary.RestartAsync(RestartMode.FromSnapshot);
            await replica1.WaitUntilStableAsync();
            await Eventually.HoldsAsync(async () => await RestampedFillingAsync(replica1, shard, marker), "the probe saw the restart", Settle);
        }
    }

    /// <summary>The slot epoch key of <paramref name="slot"/> (found by SCAN on the shard that owns it).</summary>
    private static async Task<RedisKey> MarkerOfAsync(LocalShard shard, int slot)
    {
        await foreach (var key in shard.Primary.Server.KeysAsync(pattern: "anrcho_epoch:{*", pageSize: 1000))
        {
            if (shard.Replica.Connection.HashSlot(key) == slot)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"no epoch key for slot {slot} on {shard}");
    }

    /// <summary>Whether the epoch key is filling and was last checked under the shard's current server process.</summary>
    private static async Task<bool> RestampedFillingAsync(LocalReplica replica, LocalShard shard, RedisKey marker)
    {
        var fields = await replica.Db.HashGetAsync(marker, ["state", "rid"]);
        var info = await shard.Primary.Server.InfoAsync("server");
        var runId = info.SelectMany(g => g).FirstOrDefault(kv => kv.Key == "run_id").Value;
        return fields[0] == "filling" && fields[1] == runId;
    }

    private sealed class SyncProgress(Action<AntiEntropyProgress> onReport) : IProgress<AntiEntropyProgress>
    {
        public void Report(AntiEntropyProgress value) => onReport(value);
    }
}
