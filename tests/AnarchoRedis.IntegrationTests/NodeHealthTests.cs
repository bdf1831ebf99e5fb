using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.AntiEntropy;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Node health (circuits that skip a dead or hung node and probe it back) and empty-restart detection (the per-node
/// epoch key), on real redis-server nodes. Every test owns its cluster.
/// </summary>
public sealed class NodeHealthTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor);

    /// <summary>Bounds a wait for the background prober; it never asserts a speed.</summary>
    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(15);

    private static Task StateIsAsync(AnarchoRedisClient client, int node, NodeHealthState state) =>
        Eventually.HoldsAsync(() => Task.FromResult(client.Health[node].State == state), $"node {node} is {state} (it is {client.Health[node].State})", ProbeDeadline);

    private static async Task<(string? Id, string? State)> EpochOnNodeAsync(RedisCluster cluster, int node)
    {
        var values = await cluster[node].Db.HashGetAsync(NodeDump.EpochKey, ["id", "state"]);
        return (values[0], values[1]);
    }

    [Fact]
    public async Task A_new_cluster_gets_one_ready_epoch_per_node_and_every_node_is_healthy()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();

        var health = client.Health;

        Assert.Equal(cluster.Nodes.Select(n => n.EndPoint), health.Select(h => h.Name));
        Assert.All(health, h => Assert.Equal(NodeHealthState.Healthy, h.State));
        Assert.All(health, h => Assert.Matches("^[0-9a-f]{32}$", h.EpochId));
        Assert.Equal(3, health.Select(h => h.EpochId).Distinct().Count());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((health[i].EpochId, "ready"), await EpochOnNodeAsync(cluster, i));
        }
    }

    [Fact]
    public async Task Clients_connecting_together_agree_on_one_epoch_id_per_node()
    {
        await using var cluster = await RedisCluster.StartAsync();

        var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => cluster.CreateClientAsync()));

        for (var i = 0; i < 3; i++)
        {
            var (id, _) = await EpochOnNodeAsync(cluster, i);
            Assert.NotNull(id);
            Assert.All(clients, c => Assert.Equal(id, c.Health[i].EpochId));
        }
    }

    [Fact]
    public async Task A_hung_node_opens_its_circuit_so_operations_skip_it_and_the_probe_closes_it_when_it_continues()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromMilliseconds(500));
        var store = client.GetValueStore(Profile.Descriptor);

        // Scripts cached on every node first, so that the late commands run when the node continues.
        await store.SetAsync("profile:warm-up", new Profile(), WriteOptions.All);
        cluster[2].Pause();
        try
        {
            // W = 2 of 3 succeeds all along; node 2's timeouts open its circuit.
            for (var i = 0; i < 3; i++)
            {
                var written = await store.SetAsync($"profile:hung-{i}", new Profile { Id = i }, WriteOptions.Quorum);
                Assert.Equal(2, written.Acknowledged);
            }

            await StateIsAsync(client, 2, NodeHealthState.Open);
            Assert.True(client.Health[2].ConsecutiveFailures >= 3);

            // Open: the node is not asked, so nothing waits for it. W = All fails with node 2 skipped, not timed out.
            var write = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync("profile:hung-all", new Profile { Id = 9 }, WriteOptions.All));
            Assert.Equal(NodeOutcomeKind.Skipped, write.Outcomes[2].Kind);
            Assert.Equal(NodeHealthState.Open, Assert.IsType<NodeUnavailableException>(write.Outcomes[2].Error).State);
            Assert.Equal(2, write.Acknowledged);

            var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync("profile:hung-0", ReadOptions.All));
            Assert.Equal(NodeOutcomeKind.Skipped, read.Outcomes[2].Kind);
            Assert.Equal(2, read.Acknowledged);

            // R = 2 of 3 is reached without node 2.
            Assert.Equal(1, (await store.GetAsync("profile:hung-1", ReadOptions.Quorum))?.Id);
            Assert.True(cluster[2].IsPaused);
        }
        finally
        {
            cluster[2].Resume();
        }

        await StateIsAsync(client, 2, NodeHealthState.Healthy);
        Assert.Equal(0, client.Health[2].ConsecutiveFailures);
        var all = await store.SetAsync("profile:after", new Profile { Id = 10 }, WriteOptions.All);
        Assert.Equal(3, all.Acknowledged);
    }

    /// <summary>
    /// Found by CI (the availability run, on a loaded machine): a client whose circuits all opened at once (a stall of
    /// its own process times out commands on every node) while one node is hung must not wait for the hung node's probe
    /// to time out before it closes the others' circuits; it used to, so every operation failed for that long.
    /// </summary>
    [Fact]
    public async Task A_hung_node_does_not_keep_the_circuits_of_answering_nodes_open()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            // Longer than the test: a probe of the hung node never ends while the test looks.
            o.NodeTimeout = TimeSpan.FromSeconds(60);
            o.Health.ProbeInterval = TimeSpan.FromMilliseconds(100);
        });
        var store = client.GetValueStore(Profile.Descriptor);
        await store.SetAsync("profile:warm-up", new Profile(), WriteOptions.All);
        cluster[2].Pause();
        try
        {
            // What consecutive timeouts do to every node's circuit.
            foreach (var node in client.ReplicaSet.Nodes)
            {
                for (var i = 0; i < 3; i++)
                {
                    node.Health.OnFailure();
                }
            }

            Assert.All(client.Health, h => Assert.Equal(NodeHealthState.Open, h.State));
            await StateIsAsync(client, 0, NodeHealthState.Healthy);
            await StateIsAsync(client, 1, NodeHealthState.Healthy);
            Assert.Equal(2, (await store.SetAsync("profile:during", new Profile { Id = 1 }, WriteOptions.Quorum)).Acknowledged);
        }
        finally
        {
            cluster[2].Resume();
        }
    }

    [Fact]
    public async Task A_killed_node_is_skipped_at_once_and_after_an_empty_restart_it_takes_writes_but_its_reads_count_only_after_a_pass()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:refill";
        var written = await store.SetAsync(key, new Profile { Id = 1, Name = "kept" }, WriteOptions.All);
        var before = client.Health[2].EpochId;

        cluster[2].Kill();
        await StateIsAsync(client, 2, NodeHealthState.Open);
        var skipped = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync("profile:while-down", new Profile(), WriteOptions.All));
        Assert.Equal(NodeOutcomeKind.Skipped, skipped.Outcomes[2].Kind);

        // Back empty: its epoch vanished while the other nodes have theirs, so it is filling under a new id.
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await StateIsAsync(client, 2, NodeHealthState.Filling);
        var filling = client.Health[2];
        Assert.NotEqual(before, filling.EpochId);
        Assert.Equal((filling.EpochId, "filling"), await EpochOnNodeAsync(cluster, 2));

        // Its read answers do not count: R = All cannot be reached, and the outcome says why.
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.All));
        Assert.Equal(NodeOutcomeKind.Skipped, read.Outcomes[2].Kind);
        var reason = Assert.IsType<NodeUnavailableException>(read.Outcomes[2].Error);
        Assert.Equal(NodeHealthState.Filling, reason.State);
        Assert.Contains("refilling after a restart", reason.Message, StringComparison.Ordinal);

        // Its answers are still used for read repair, and its writes count toward W.
        Assert.Equal("kept", (await store.GetAsync(key, ReadOptions.Quorum))?.Name);
        await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, key) == written.Version.ToString(), "the filling node was repaired by the read");
        Assert.Equal(3, (await store.SetAsync("profile:during-refill", new Profile { Id = 2 }, WriteOptions.All)).Acknowledged);

        // A pass that reached every node and left nothing unresolved makes it ready.
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(NodeHealthState.Healthy, client.Health[2].State);
        Assert.Equal((filling.EpochId, "ready"), await EpochOnNodeAsync(cluster, 2));
        Assert.Equal("kept", (await store.GetAsync(key, ReadOptions.All))?.Name);
        await NodeDump.AssertIdenticalAsync(cluster);

        // Another client learns the state from the node.
        var other = await cluster.CreateClientAsync();
        Assert.Equal(NodeHealthState.Healthy, other.Health[2].State);
        Assert.Equal(filling.EpochId, other.Health[2].EpochId);
    }

    [Fact]
    public async Task Clients_that_both_see_a_node_come_back_empty_agree_on_its_new_epoch()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var first = await cluster.CreateClientAsync();
        var second = await cluster.CreateClientAsync();
        var before = first.Health[1].EpochId;
        Assert.Equal(before, second.Health[1].EpochId);

        await cluster[1].RestartAsync(RestartMode.LoseData);

        await StateIsAsync(first, 1, NodeHealthState.Filling);
        await StateIsAsync(second, 1, NodeHealthState.Filling);
        var (id, state) = await EpochOnNodeAsync(cluster, 1);
        Assert.Equal("filling", state);
        Assert.NotEqual(before, id);
        Assert.Equal(id, first.Health[1].EpochId);
        Assert.Equal(id, second.Health[1].EpochId);
    }

    [Fact]
    public async Task A_pass_that_cannot_reach_every_node_leaves_a_filling_node_filling()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:a", new Profile { Id = 1 }, WriteOptions.All);
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await StateIsAsync(client, 2, NodeHealthState.Filling);
        cluster[0].Kill();

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.False(report.IsClean);
        Assert.Equal(NodeHealthState.Filling, client.Health[2].State);
        Assert.Equal("filling", (await EpochOnNodeAsync(cluster, 2)).State);
    }

    [Theory]
    [InlineData(AntiEntropyPassMode.Digests)]
    [InlineData(AntiEntropyPassMode.Scan)]
    public async Task A_clean_pass_of_either_kind_refills_a_node_restarted_empty_and_sets_it_ready(AntiEntropyPassMode mode)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        for (var i = 0; i < 20; i++)
        {
            await store.SetAsync($"profile:pass-{i}", new Profile { Id = i }, WriteOptions.All);
        }

        await cluster[0].RestartAsync(RestartMode.LoseData);
        await StateIsAsync(client, 0, NodeHealthState.Filling);

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(mode);

        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(20, report.ValuesRepaired);
        Assert.Equal(NodeHealthState.Healthy, client.Health[0].State);
        Assert.Equal("ready", (await EpochOnNodeAsync(cluster, 0)).State);
        Assert.Equal(7, (await store.GetAsync("profile:pass-7", ReadOptions.All))?.Id);
    }

    [Fact]
    public async Task A_node_whose_epoch_key_holds_something_else_takes_writes_but_its_reads_never_count()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        await cluster[1].Db.StringSetAsync(NodeDump.EpochKey, "not an epoch");

        await StateIsAsync(client, 1, NodeHealthState.Unverified);

        Assert.Equal(3, (await store.SetAsync("profile:foreign-epoch", new Profile { Id = 4 }, WriteOptions.All)).Acknowledged);
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync("profile:foreign-epoch", ReadOptions.All));
        Assert.Equal(NodeHealthState.Unverified, Assert.IsType<NodeUnavailableException>(read.Outcomes[1].Error).State);
        Assert.Equal("not an epoch", (string?)await cluster[1].Db.StringGetAsync(NodeDump.EpochKey));
    }

    [Fact]
    public async Task A_user_key_named_as_the_epoch_key_is_rejected_and_the_epoch_is_left_alone()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync();

        var error = await Assert.ThrowsAsync<InvalidKeyException>(async () => await client.GetValueStore(Profile.Descriptor).SetAsync(NodeDump.EpochKey, new Profile()));

        Assert.Contains("epoch key", error.Reason, StringComparison.Ordinal);
        Assert.Equal((client.Health[0].EpochId, "ready"), await EpochOnNodeAsync(cluster, 0));
    }
    [Fact]
    public async Task A_new_client_that_sees_only_a_wiped_node_keeps_it_filling()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var writer = await cluster.CreateClientAsync();
        await writer.GetValueStore(Profile.Descriptor).SetAsync("profile:kept", new Profile { Id = 1, Name = "kept" }, WriteOptions.All);

        // Nodes 1 and 2 are down and node 0 comes back empty: a client started now sees no epoch anywhere it can reach.
        cluster[1].Kill();
        cluster[2].Kill();
        await cluster[0].RestartAsync(RestartMode.LoseData);
        var fresh = await cluster.CreateClientAsync();

        Assert.Equal(NodeHealthState.Filling, fresh.Health[0].State);
        Assert.Equal("filling", (await EpochOnNodeAsync(cluster, 0)).State);
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await fresh.GetValueStore(Profile.Descriptor).GetAsync("profile:kept", ReadOptions.One));
        Assert.Equal(NodeOutcomeKind.Skipped, read.Outcomes[0].Kind);
    }

    [Fact]
    public async Task A_new_client_that_finds_data_but_no_epoch_on_every_node_keeps_the_empty_ones_filling()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var writer = await cluster.CreateClientAsync();
        await writer.GetValueStore(Profile.Descriptor).SetAsync("profile:kept", new Profile { Id = 1, Name = "kept" }, WriteOptions.All);

        // Every epoch is gone (deleted by hand), and node 2 lost its data too: not a new cluster.
        await cluster[0].Db.KeyDeleteAsync(NodeDump.EpochKey);
        await cluster[1].Db.KeyDeleteAsync(NodeDump.EpochKey);
        await cluster[2].Db.ExecuteAsync("FLUSHALL");
        var fresh = await cluster.CreateClientAsync();

        Assert.Equal(NodeHealthState.Filling, fresh.Health[2].State);
        Assert.Equal(NodeHealthState.Healthy, fresh.Health[0].State);
        Assert.Equal(NodeHealthState.Healthy, fresh.Health[1].State);
    }
    [Fact]
    public async Task A_key_of_a_type_this_process_does_not_know_does_not_keep_a_refilled_node_filling()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.Hints.Enabled = false);
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:known", new Profile { Id = 1, Name = "known" }, WriteOptions.All);

        // Another application's type shares the nodes: this process's registry does not know it.
        var foreign = new ReplicatedValueDescriptor<Profile>("another.app.type", "other:{Id}");
        await client.GetValueStore(foreign).SetAsync("other:1", new Profile { Id = 2 }, WriteOptions.All);
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await StateIsAsync(client, 2, NodeHealthState.Filling);

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        // The unknown key is reported (and left alone); every registered key is in sync, so the node is ready.
        Assert.Equal(1, report.UnknownKeys);
        Assert.True(report.IsClean, report.ToString());
        Assert.Equal(NodeHealthState.Healthy, client.Health[2].State);
        Assert.Equal("known", (await client.GetValueStore(Profile.Descriptor).GetAsync("profile:known", ReadOptions.All))?.Name);
        Assert.Null(await cluster.VersionAsync(2, "other:1"));
    }
    [Fact]
    public async Task A_node_restarted_from_an_older_snapshot_is_filling_so_it_cannot_outvote_an_acknowledged_write()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.Hints.Enabled = false);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:old-snapshot";
        await store.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All);
        await cluster[2].SnapshotAsync();

        // v2 is acknowledged by nodes 0 and 2 (W = 2); node 1 keeps v1.
        var partial = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [0, 2])).GetValueStore(Profile.Descriptor);
        await partial.GetAsync(key, ReadOptions.All);
        var v2 = await partial.SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.All);

        // Node 2 restarts from the snapshot taken before v2: same epoch, older data. Then node 0 dies.
        cluster[2].Kill();
        await cluster[2].RestartAsync(RestartMode.KeepData);
        Assert.NotEqual(v2.Version.ToString(), await cluster.VersionAsync(2, key));
        await Eventually.HoldsAsync(
            () => Task.FromResult(client.Health[2].State is NodeHealthState.Healthy or NodeHealthState.Filling),
            "the client has checked node 2 again",
            ProbeDeadline);
        cluster[0].Kill();

        // Nodes 1 and 2 both hold v1; node 2's answer must not count until a pass has compared it.
        Assert.Equal(NodeHealthState.Filling, client.Health[2].State);
        await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.Quorum));
    }
    [Fact]
    public async Task A_node_flushed_between_two_probes_cannot_count_toward_r()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // No probe during the test: a flush is noticed by the read itself, not by the prober's next round.
        var client = await cluster.CreateClientAsync(o =>
        {
            o.Hints.Enabled = false;
            o.Health.ProbeInterval = TimeSpan.FromMinutes(10);
        });
        var store = client.GetValueStore(Profile.Descriptor);
        var lists = client.GetListStore(Lists.ChatMessage.Descriptor);
        const string key = "profile:flushed";
        await store.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All);

        // v2 and a push are acknowledged by nodes 0 and 2 (W = 2); node 1 keeps v1 and no list. Then node 2 is flushed
        // (it keeps its connection) and node 0 dies.
        var partial = await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [0, 2]);
        await partial.GetValueStore(Profile.Descriptor).GetAsync(key, ReadOptions.All);
        await partial.GetValueStore(Profile.Descriptor).SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.All);
        await partial.GetListStore(Lists.ChatMessage.Descriptor).PushRightAsync("chat:flushed", Lists.ChatMessage.Of("a"), WriteOptions.All);
        await cluster[2].Db.ExecuteAsync("FLUSHALL");
        cluster[0].Kill();

        // Node 1 (stale) and node 2 (empty) must not form a quorum that answers v1, or an empty list.
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.Quorum));
        Assert.IsType<NodeUnavailableException>(read.Outcomes[2].Error);
        await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await lists.RangeAsync("chat:flushed", options: ReadOptions.Quorum));
    }
}
