using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// What an operator (the <c>anarcho</c> tool) sees and does without the application's types: the slot comparison,
/// one key's copies on every node, each node's status, and a pass with an untyped registry, on real redis-servers.
/// </summary>
public sealed class OperatorViewTests
{
    private static void NoHints(AnarchoRedisOptions options)
    {
        options.AntiEntropy.MaxKeysPerSecond = 0;
        options.Hints.Enabled = false;
    }

    [Fact]
    public async Task A_slot_comparison_names_exactly_the_slots_of_keys_one_node_missed_and_an_untyped_pass_repairs_them()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var all = await cluster.CreateClientAsync(NoHints);
        var runner = new AntiEntropyRunner(all, ReplicatedTypeRegistry.CreateUntyped());
        Assert.True((await runner.CompareSlotsAsync()).InSync);

        // Written through a client that knows only nodes 0 and 1: node 2 misses a value, a list and a removal.
        await using (var two = await cluster.CreateClientAsync(NoHints, nodes: [0, 1]))
        {
            await two.GetValueStore(Profile.Descriptor).SetAsync("profile:7", new Profile { Id = 7, Name = "seven" });
            var chats = two.GetListStore(ChatMessage.Descriptor);
            await chats.PushRightAsync("chat:7", [ChatMessage.Of("a"), ChatMessage.Of("b")]);
            await chats.RemoveAsync("chat:7", ChatMessage.Of("a"));
        }

        var comparison = await runner.CompareSlotsAsync();

        Assert.False(comparison.InSync);
        Assert.Equal(HashSlot.Count, comparison.SlotsCompared);
        Assert.Equal(new[] { HashSlot.Of("profile:7"), HashSlot.Of("chat:7") }.Distinct().Order(), comparison.DifferingSlots);
        Assert.Empty(comparison.UnreachableNodes);

        // The comparison repaired nothing.
        Assert.Null(await cluster.VersionAsync(2, "profile:7"));

        // An application's runner that knows none of these types reports them and touches nothing.
        var unknown = await new AntiEntropyRunner(all, new ReplicatedTypeRegistry()).RunPassAsync(AntiEntropyPassMode.Scan);
        Assert.True(unknown.UnknownKeys == 2, unknown.ToString());
        Assert.Equal(0, unknown.KeysRepaired);
        Assert.Null(await cluster.VersionAsync(2, "profile:7"));

        // A pass that knows no model type repairs both keys by the kind their metas state.
        var report = await runner.RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(1, report.ValuesRepaired);
        Assert.Equal(1, report.ListsRepaired);
        Assert.Equal(0, report.UnknownKeys);
        await NodeDump.AssertIdenticalAsync(cluster);
        Assert.True((await runner.CompareSlotsAsync()).InSync);
    }

    [Fact]
    public async Task A_comparison_with_a_node_down_says_which_node_and_is_not_in_sync()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromMilliseconds(500));
        cluster[1].Kill();

        var comparison = await new AntiEntropyRunner(client, ReplicatedTypeRegistry.CreateUntyped()).CompareSlotsAsync();

        Assert.False(comparison.InSync);
        Assert.Equal([cluster[1].EndPoint], comparison.UnreachableNodes);
        Assert.Empty(comparison.DifferingSlots);
    }

    [Fact]
    public async Task Inspecting_a_key_shows_each_nodes_copy_marks_the_stale_one_and_agrees_after_read_repair()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var all = await cluster.CreateClientAsync(NoHints);
        var profiles = all.GetValueStore(Profile.Descriptor);
        await profiles.SetAsync("profile:1", new Profile { Id = 1, Name = "old" }, WriteOptions.All);
        await using (var two = await cluster.CreateClientAsync(NoHints, nodes: [0, 1]))
        {
            await two.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "new" });
        }

        var inspection = await all.InspectAsync("profile:1");

        Assert.Equal(RedisCluster.MetaKeyOf("profile:1"), inspection.MetaKey);
        Assert.False(inspection.Agree);
        Assert.Equal([false, false, true], inspection.Replicas.Select(inspection.IsStale));
        Assert.All(inspection.Replicas, r => Assert.Equal(ReplicatedKind.Value, r.Kind));
        Assert.All(inspection.Replicas, r => Assert.Equal("tests.profile", r.TypeName));
        Assert.All(inspection.Replicas, r => Assert.Equal("ready", r.EpochState));
        Assert.Equal(inspection.Replicas[0].Version, inspection.Newest);
        Assert.True(inspection.Replicas[2].Version < inspection.Newest);
        Assert.Equal(inspection.Replicas[0].DataDigest, inspection.Replicas[1].DataDigest);
        Assert.NotEqual(inspection.Replicas[0].DataDigest, inspection.Replicas[2].DataDigest);
        Assert.Equal("string", inspection.Replicas[2].DataType);

        // A read with R = All sees the stale copy and repairs it.
        Assert.Equal("new", (await profiles.GetAsync("profile:1", ReadOptions.All))!.Name);
        await Eventually.HoldsAsync(async () => (await all.InspectAsync("profile:1")).Agree, "the copies agree after read repair", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Inspecting_a_list_counts_elements_and_removed_elements_per_node_and_an_unreachable_node_is_not_called_stale()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var all = await cluster.CreateClientAsync(o => { NoHints(o); o.NodeTimeout = TimeSpan.FromMilliseconds(500); });
        var chats = all.GetListStore(ChatMessage.Descriptor);
        await chats.PushRightAsync("chat:1", [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
        await using (var two = await cluster.CreateClientAsync(NoHints, nodes: [0, 1]))
        {
            await two.GetListStore(ChatMessage.Descriptor).RemoveAsync("chat:1", ChatMessage.Of("b"));
        }

        var inspection = await all.InspectAsync("chat:1");

        Assert.Equal([2L, 2L, 3L], inspection.Replicas.Select(r => r.DataLength));
        Assert.Equal([1L, 1L, 0L], inspection.Replicas.Select(r => r.ElementTombstones));
        Assert.Equal([false, false, true], inspection.Replicas.Select(inspection.IsStale));
        Assert.All(inspection.Replicas, r => Assert.Equal("list", r.DataType));

        cluster[0].Kill();
        inspection = await all.InspectAsync("chat:1");
        Assert.False(inspection.Replicas[0].Reachable);
        Assert.NotNull(inspection.Replicas[0].Error);
        Assert.False(inspection.IsStale(inspection.Replicas[0]));
        Assert.False(inspection.Agree);
    }

    [Fact]
    public async Task Describing_the_nodes_gives_each_ones_epoch_keys_and_version_and_an_error_for_a_killed_one()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromMilliseconds(500));
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1 }, WriteOptions.All);

        var statuses = await client.DescribeNodesAsync();

        Assert.Equal(cluster.Nodes.Select(n => n.EndPoint), statuses.Select(s => s.Node));
        Assert.All(statuses, s =>
        {
            Assert.True(s.IsReady, s.ToString());
            Assert.Equal("ready", s.EpochState);
            Assert.Matches("^[0-9a-f]{32}$", s.EpochId);
            Assert.StartsWith("7.", s.ServerVersion, StringComparison.Ordinal);
            Assert.True(s.Keys >= 2, s.ToString()); // the value, its meta, the epoch and the slot keys
            Assert.NotNull(s.RoundTrip);
        });

        cluster[2].Kill();
        statuses = await client.DescribeNodesAsync();
        Assert.False(statuses[2].Reachable);
        Assert.False(statuses[2].IsReady);
        Assert.Null(statuses[2].Keys);
        Assert.True(statuses[0].IsReady);
    }

    [Fact]
    public async Task A_client_that_does_not_write_epochs_creates_none_on_a_new_cluster_and_its_pass_leaves_a_filling_node_filling()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using (var observer = await cluster.CreateClientAsync(o => o.Health.WriteEpochs = false))
        {
            Assert.All(observer.Health, h => Assert.Equal(NodeHealthState.Unverified, h.State));
        }

        foreach (var node in cluster.Nodes)
        {
            Assert.False(await node.Db.KeyExistsAsync(AnarchoRedisOptions.DefaultEpochKey));
        }

        // An application client: epochs; node 2 wiped and marked filling by it.
        await using var application = await cluster.CreateClientAsync(NoHints);
        await application.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1 }, WriteOptions.All);
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await using var again = await cluster.CreateClientAsync(NoHints);
        Assert.Equal(NodeHealthState.Filling, again.Health[2].State);

        await using var tool = await cluster.CreateClientAsync(o => { NoHints(o); o.Health.WriteEpochs = false; });
        var report = await new AntiEntropyRunner(tool, ReplicatedTypeRegistry.CreateUntyped()).RunPassAsync();

        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(1, report.ValuesRepaired);
        Assert.Equal("filling", (string?)await cluster[2].Db.HashGetAsync(AnarchoRedisOptions.DefaultEpochKey, "state"));
    }

    [Fact]
    public async Task A_client_that_does_not_write_epochs_stops_counting_a_node_whose_epoch_vanished()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await (await cluster.CreateClientAsync(NoHints)).DisposeAsync();
        await using var observer = await cluster.CreateClientAsync(o =>
        {
            o.Health.WriteEpochs = false;
            o.Health.ProbeInterval = TimeSpan.FromMilliseconds(100);
        });
        Assert.All(observer.Health, h => Assert.Equal(NodeHealthState.Healthy, h.State));

        await cluster[1].Db.ExecuteAsync("FLUSHALL");

        await Eventually.HoldsAsync(() => Task.FromResult(observer.Health[1].State == NodeHealthState.Unverified), "the observer stops counting the wiped node", TimeSpan.FromSeconds(10));
        Assert.False(await cluster[1].Db.KeyExistsAsync(AnarchoRedisOptions.DefaultEpochKey));
        Assert.Equal(NodeHealthState.Healthy, observer.Health[0].State);
    }
}
