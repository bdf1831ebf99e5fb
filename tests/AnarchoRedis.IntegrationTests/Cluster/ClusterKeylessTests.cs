using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using Xunit;
using static AnarchoRedis.IntegrationTests.Cluster.ClusterSetup;

namespace AnarchoRedis.IntegrationTests.Cluster;

/// <summary>
/// What has no key to route by (SCAN, INFO, DBSIZE) runs on every shard of a replica that is a Redis Cluster: a pass,
/// an eviction sweep and the operator's status see every shard's keys, and a shard that cannot be asked is reported,
/// never taken for an empty one (docs/plans/scaling-out.md, item 5).
/// </summary>
public sealed class ClusterKeylessTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    private static Action<AnarchoRedisOptions> Only(LocalCluster cluster, params int[] replicas) => o =>
    {
        NoHints(o);
        o.Nodes = replicas.Select(i => cluster.EndPoints[i]).ToList();
    };

    [Fact]
    public async Task A_scan_pass_scans_every_shard_and_repairs_all_sixty_keys_a_replica_missed()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));

        // Replica 2 misses 60 writes (a client of replicas 0 and 1 only): keys spread over every shard.
        await using (var two = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(Only(cluster, 0, 1))))
        {
            var profiles = two.GetValueStore(Profile.Descriptor);
            for (var i = 0; i < 60; i++)
            {
                var written = await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All);
                Assert.Equal(2, written.Acknowledged);
            }
        }

        Assert.All(cluster.Replicas[0].Shards, s => Assert.True(s.Primary.Server.DatabaseSize() > 0, $"{s} holds some of the keys"));

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Scan);

        Assert.True(report.IsClean, report.ToString());
        Assert.True(report.ValuesRepaired == 60, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
    }

    [Fact]
    public async Task A_scan_pass_that_cannot_scan_a_shard_reports_its_node_unreachable_and_is_not_clean()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        // Keys of shard 0's slots only: nothing the pass compares touches the shard that dies.
        foreach (var key in KeysOnShard(cluster.Replicas[2], 0, "profile", 20))
        {
            await profiles.SetAsync(key, new Profile { Id = 1, Name = key }, WriteOptions.All);
        }

        cluster.Replicas[2].Shards[1].Primary.Kill();

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Scan);

        Assert.False(report.IsClean, report.ToString());
        Assert.Contains(client.Health[2].Name, report.UnreachableNodes);
        Assert.Contains(report.Problems, p => p.Kind == AntiEntropyProblemKind.NodeUnreachable && p.Node == client.Health[2].Name);
    }

    [Fact]
    public async Task A_digest_pass_with_a_killed_shard_reports_its_node_unreachable_and_is_not_clean()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        for (var i = 0; i < 30; i++)
        {
            await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All);
        }

        cluster.Replicas[1].Shards[2].Primary.Kill();

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Digests);

        Assert.False(report.IsClean, report.ToString());
        Assert.Contains(client.Health[1].Name, report.UnreachableNodes);
    }

    [Fact]
    public async Task Evictions_on_any_shard_are_swept_and_the_data_keys_lost_under_their_meta_are_repaired()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var replica1 = cluster.Replicas[1];
        var keys = Enumerable.Range(0, 3).Select(shard => KeyOnShard(replica1, shard, "profile:evicted")).ToArray();
        foreach (var key in keys)
        {
            await profiles.SetAsync(key, new Profile { Id = 1, Name = key }, WriteOptions.All);
        }

        // A first pass records every shard's evictions so far (none).
        Assert.True((await new AntiEntropyRunner(client, Registry).RunPassAsync()).IsClean);

        // On every shard of replica 1, an eviction (of another application's key) and one of our data keys gone under
        // its meta: what maxmemory with an allkeys policy does one key at a time.
        foreach (var shard in replica1.Shards)
        {
            await CountAnEvictionAsync(replica1, shard);
        }

        foreach (var key in keys)
        {
            Assert.True(await replica1.Db.KeyDeleteAsync(key));
        }

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.True(report.IsClean, report.ToString());
        Assert.True(report.ValuesRepaired == 3, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas));
    }

    [Fact]
    public async Task Describing_a_cluster_node_lists_every_shard_with_its_slots_keys_and_state_and_names_a_killed_one()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var profiles = client.GetValueStore(Profile.Descriptor);
        for (var i = 0; i < 60; i++)
        {
            await profiles.SetAsync($"profile:{i}", new Profile { Id = i, Name = "n" + i }, WriteOptions.All);
        }

        var statuses = await client.DescribeNodesAsync();

        for (var r = 0; r < 3; r++)
        {
            var status = statuses[r];
            Assert.True(status.IsReady, status.ToString());
            Assert.Equal("ready", status.EpochState);
            Assert.Equal(3, status.Shards.Count);
            Assert.Equal(HashSlot.Count, status.Shards.Sum(s => s.SlotCount));
            long total = 0;
            foreach (var shard in status.Shards)
            {
                var local = ShardAt(cluster.Replicas[r], shard.EndPoint);
                Assert.True(shard.Reachable, shard.ToString());
                Assert.Equal(local.SlotRanges.Sum(x => x.Count), shard.SlotCount);
                Assert.Equal(local.SlotRanges.First().Start, shard.Slots[0].From);
                Assert.Equal(await local.Primary.Server.DatabaseSizeAsync(), shard.Keys);
                Assert.Equal("ready", shard.EpochState);
                Assert.Equal(NodeHealthState.Healthy, shard.Health.State);
                Assert.StartsWith("7.", shard.ServerVersion, StringComparison.Ordinal);
                total += shard.Keys!.Value;
            }

            Assert.Equal(total, status.Keys);
        }

        var dead = cluster.Replicas[1].Shards[2];
        dead.Primary.Kill();
        statuses = await client.DescribeNodesAsync();

        Assert.False(statuses[1].Reachable);
        Assert.False(statuses[1].IsReady);
        Assert.Contains(dead.Primary.EndPoint, statuses[1].Error, StringComparison.Ordinal);
        Assert.Null(statuses[1].Keys);
        var deadShard = Assert.Single(statuses[1].Shards, s => !s.Reachable);
        Assert.Equal(dead.Primary.EndPoint, deadShard.EndPoint);
        Assert.Null(deadShard.Keys);
        Assert.True(statuses[0].IsReady, statuses[0].ToString());
    }

    [Fact]
    public async Task Inspecting_a_key_shows_the_epoch_of_its_slot_so_a_copy_on_a_wiped_shard_reads_as_filling()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var replica2 = cluster.Replicas[2];
        var key = KeyOnShard(replica2, 1, "profile:inspected");
        await client.GetValueStore(Profile.Descriptor).SetAsync(key, new Profile { Id = 1, Name = "x" }, WriteOptions.All);

        var inspection = await client.InspectAsync(key);
        Assert.All(inspection.Replicas, r => Assert.Equal("ready", r.EpochState));

        await replica2.ShardOfKey(key).Primary.RestartAsync(RestartMode.LoseData);
        await replica2.WaitUntilStableAsync();

        // The client's probe finds the shard wiped and makes its slots' epochs filling.
        await Eventually.HoldsAsync(async () => (await client.InspectAsync(key)).Replicas[2].EpochState == "filling", "replica 2's copy reads as filling", TimeSpan.FromSeconds(15));
        inspection = await client.InspectAsync(key);
        Assert.Equal("none", inspection.Replicas[2].DataType);
        Assert.Equal(["ready", "ready"], inspection.Replicas.Take(2).Select(r => r.EpochState));
    }

    [Fact]
    public async Task The_health_check_names_a_cluster_nodes_shard_that_is_down_and_is_degraded_not_healthy()
    {
        await using var cluster = await LocalCluster.StartAsync(ThreeByThree);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o =>
        {
            NoHints(o);
            o.NodeTimeout = TimeSpan.FromMilliseconds(500);
            o.Health.ProbeInterval = TimeSpan.FromMilliseconds(200);
        }));
        var context = new HealthCheckContext();
        var set = new AnarchoRedisHealthCheck(client);
        var healthy = await set.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        var shard = cluster.Replicas[0].Shards[1].Primary.EndPoint;
        Assert.Equal("Healthy", healthy.Data[$"{client.Health[0].Name}.shards.{shard}.state"]);

        cluster.Replicas[0].Shards[1].Primary.Kill();
        var profiles = client.GetValueStore(Profile.Descriptor);
        var key = KeyOnShard(cluster.Replicas[0], 1, "profile:health");
        await Eventually.HoldsAsync(
            async () =>
            {
                await profiles.SetAsync(key, new Profile { Id = 1 }, WriteOptions.Quorum);
                return client.Health[0].Shards.Any(s => s.State == NodeHealthState.Open);
            },
            "the killed shard's circuit opens",
            TimeSpan.FromSeconds(20));

        var report = await set.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains(shard, report.Description, StringComparison.Ordinal);
        Assert.Equal("Open", report.Data[$"{client.Health[0].Name}.shards.{shard}.state"]);
        Assert.Equal(2, report.Data["ready"]);
        var node = await new AnarchoRedisHealthCheck(client, 0).CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Degraded, node.Status);
        Assert.Contains(shard, node.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await new AnarchoRedisHealthCheck(client, 1).CheckHealthAsync(context)).Status);
    }

    private static LocalShard ShardAt(LocalReplica replica, string endPoint) =>
        replica.Shards.Single(s => s.Primary.EndPoint == endPoint);

    /// <summary>
    /// Makes one shard's evicted_keys grow by a real eviction of another application's keys (volatile-random evicts only
    /// keys with a time to live, and these are the only ones), then removes that application's keys.
    /// </summary>
    private static async Task CountAnEvictionAsync(LocalReplica replica, LocalShard shard)
    {
        var tag = KeyOnShard(replica, shard.Index, "other-app");
        var db = replica.Db;
        for (var i = 0; i < 20; i++)
        {
            await db.StringSetAsync($"{{{tag}}}:{i}", new string('x', 100_000), TimeSpan.FromHours(1));
        }

        var server = shard.Primary.Server;
        var before = await EvictedKeysAsync(server);
        var memory = (await server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value;
        var used = long.Parse(memory, CultureInfo.InvariantCulture);
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "volatile-random");
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", used - 500_000);
        await db.StringSetAsync($"{{{tag}}}:last", new string('x', 100_000), TimeSpan.FromHours(1));
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", 0);
        Assert.True(await EvictedKeysAsync(server) > before, $"{shard} evicted a key");
        for (var i = 0; i < 20; i++)
        {
            await db.KeyDeleteAsync($"{{{tag}}}:{i}");
        }

        await db.KeyDeleteAsync($"{{{tag}}}:last");
    }

    private static async Task<long> EvictedKeysAsync(IServer server) =>
        long.Parse((await server.InfoAsync("stats")).SelectMany(g => g).First(p => p.Key == "evicted_keys").Value, CultureInfo.InvariantCulture);
}
