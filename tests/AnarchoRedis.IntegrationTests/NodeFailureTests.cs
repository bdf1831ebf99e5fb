using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>Nodes that die, come back empty, come back stale, or hang. Every test owns its cluster.</summary>
public sealed class NodeFailureTests
{
    /// <summary>
    /// For tests that look at a node's stale state after it returns: the hint replayer would repair it on its own
    /// (hints have their own tests).
    /// </summary>
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    [Fact]
    public async Task Quorum_write_succeeds_with_one_node_dead_and_a_read_refills_the_node_restarted_empty()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:restart-empty";
        var profile = new Profile { Id = 1, Name = "Grace", Age = 85 };

        cluster[2].Kill();
        var written = await store.SetAsync(key, profile, WriteOptions.Quorum);

        Assert.Equal(2, written.Acknowledged);
        Assert.Equal(2, written.Required);

        await cluster[2].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Null(await cluster.DataAsync(2, key));
        Assert.Null(await cluster.VersionAsync(2, key));

        Assert.Equal(profile, await store.GetAsync(key, ReadOptions.Quorum));

        // Repaired before the read returned when node 2 was counted in R, else in the background.
        await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, key) == written.Version.ToString(), "the restarted node holds the written version");
        Assert.Equal(await cluster.DataAsync(0, key), await cluster.DataAsync(2, key));
        Assert.Equal("0", (await cluster.MetaAsync(2, key))["t"]);
    }

    [Fact]
    public async Task Replica_that_missed_an_overwrite_while_down_is_repaired_by_a_read()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:stale";
        var v1 = await store.SetAsync(key, new Profile { Id = 1, Name = "old", Age = 1 }, WriteOptions.All);

        // Node 2 goes down keeping its data (snapshot), misses v2, and comes back holding v1.
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        var newer = new Profile { Id = 1, Name = "new", Age = 2 };
        var v2 = await store.SetAsync(key, newer);
        Assert.Equal(2, v2.Acknowledged);
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Equal(v1.Version.ToString(), await cluster.VersionAsync(2, key));

        Assert.Equal(newer, await store.GetAsync(key));

        await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, key) == v2.Version.ToString(), "the stale node holds the winner's version");
        Assert.Equal(await cluster.DataAsync(0, key), await cluster.DataAsync(2, key));
        Assert.Equal(await cluster.MetaAsync(0, key), await cluster.MetaAsync(2, key));
    }

    [Fact]
    public async Task Delete_made_while_a_node_was_down_does_not_come_back_when_the_node_returns_with_its_old_data()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:zombie";
        await store.SetAsync(key, new Profile { Id = 9, Name = "zombie" }, WriteOptions.All);

        // Node 2 is down for the delete's duration and keeps its data (it does not simply lose it).
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        var deleted = await store.DeleteAsync(key);
        Assert.Equal(2, deleted.Acknowledged);
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.NotNull(await cluster.DataAsync(2, key));
        Assert.Equal("0", (await cluster.MetaAsync(2, key))["t"]);

        // Node 2 restarted, so it is filling until a pass: its answer is used (and repaired) but does not count.
        Assert.Equal(NodeHealthState.Filling, client.Health[2].State);
        Assert.Null(await store.GetAsync(key));

        await Eventually.HoldsAsync(
            async () => (await cluster.ReplicasAsync(key)).All(r => r.Version == deleted.Version.ToString() && r.Data is null),
            "every node holds the tombstone and no data key");
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal("1", (await cluster.MetaAsync(node, key))["t"]);
        }

        // And with every node repaired, even a single-node read cannot see the zombie.
        for (var i = 0; i < 6; i++)
        {
            Assert.Null(await store.GetAsync(key, ReadOptions.One));
        }
    }

    [Fact]
    public async Task Write_that_reaches_fewer_than_W_nodes_throws_with_every_node_outcome_and_is_indeterminate()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:minority";
        cluster[1].Kill();
        cluster[2].Kill();

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync(key, new Profile { Id = 3, Name = "lonely" }, WriteOptions.Quorum));

        Assert.Equal("set", error.Operation);
        Assert.Equal(key, error.Key);
        Assert.Equal(2, error.Required);
        Assert.Equal(1, error.Acknowledged);
        Assert.Equal(3, error.Outcomes.Count);
        Assert.Equal(NodeOutcomeKind.Applied, error.Outcomes[0].Kind);
        Assert.Equal(cluster[0].EndPoint, error.Outcomes[0].Node);
        // A killed node's connection drops, which opens its circuit: it is skipped, or fails if the write came first.
        Assert.All(error.Outcomes.Skip(1), o => Assert.Contains(o.Kind, new[] { NodeOutcomeKind.Failed, NodeOutcomeKind.TimedOut, NodeOutcomeKind.Skipped }));
        Assert.All(error.Outcomes.Skip(1), o => Assert.NotNull(o.Error));
        Assert.True(error.IsIndeterminate);

        // Indeterminate, not rolled back: the one node that applied it holds the value.
        Assert.NotNull(await cluster.DataAsync(0, key));
        Assert.Equal(error.Outcomes[0].StoredVersion?.ToString(), await cluster.VersionAsync(0, key));
    }

    [Fact]
    public async Task Write_that_no_node_applied_is_not_indeterminate()
    {
        await using var cluster = await RedisCluster.StartAsync();
        foreach (var node in cluster.Nodes)
        {
            node.Kill();
        }

        // The client is created after the kills, so it knows the nodes are unreachable. (A client that had a live
        // connection may have sent the command before noticing the socket closed: that is rightly indeterminate.)
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync("profile:nowhere", new Profile(), WriteOptions.One));

        Assert.Equal(0, error.Acknowledged);
        // Unreachable at connect: their circuits are open, so the write is not even sent (skipped, definitely not applied).
        Assert.All(error.Outcomes, o => Assert.Equal(NodeOutcomeKind.Skipped, o.Kind));
        Assert.All(error.Outcomes, o => Assert.IsType<NodeUnavailableException>(o.Error));
        Assert.False(error.IsIndeterminate);
    }

    [Fact]
    public async Task Hung_node_does_not_block_quorum_writes_and_reads_and_its_late_write_is_harmless()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:hung";
        var first = await store.SetAsync(key, new Profile { Id = 5, Name = "before" }, WriteOptions.All);

        cluster[2].Pause();
        WriteResult second;
        Profile? read;
        try
        {
            second = await store.SetAsync(key, new Profile { Id = 5, Name = "during" });
            read = await store.GetAsync(key);

            // Both calls completed while node 2 was still stopped: the quorum did not wait for it.
            Assert.True(cluster[2].IsPaused);
        }
        finally
        {
            cluster[2].Resume();
        }

        Assert.Equal(2, second.Acknowledged);
        Assert.Equal("during", read?.Name);

        // The script queued on the hung node runs when it continues; the version check makes that harmless.
        var third = await store.SetAsync(key, new Profile { Id = 5, Name = "after" }, WriteOptions.Quorum);
        Assert.True(third.Version > second.Version && second.Version > first.Version);
        await Eventually.HoldsAsync(
            async () => (await cluster.ReplicasAsync(key)).All(r => r.Version == third.Version.ToString()),
            "every node ends on the newest version, whatever order the late scripts ran in",
            TimeSpan.FromSeconds(5));
        Assert.Equal("after", (await store.GetAsync(key, ReadOptions.All))?.Name);
    }
}
