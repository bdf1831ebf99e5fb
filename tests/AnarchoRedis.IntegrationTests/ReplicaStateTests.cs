using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>Replica states the protocol names (damaged, unversioned, another type's key, late timeouts, wiped nodes).</summary>
public sealed class ReplicaStateTests
{
    [Fact]
    public async Task Replica_whose_data_key_vanished_under_its_meta_is_refilled_by_a_read()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        const string key = "profile:damaged";
        var written = await store.SetAsync(key, new Profile { Id = 1, Name = "kept" }, WriteOptions.All);
        await cluster[0].Db.KeyDeleteAsync(key);

        // Node 0 is a missing replica: its answer does not count toward R (MissingReplicaTests), so R = All fails; the
        // read still refills it from the others, and the next R = All read answers.
        await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.All));
        await Eventually.HoldsAsync(async () => await cluster.DataAsync(0, key) is not null, "node 0's data key is refilled");
        Assert.Equal("kept", (await store.GetAsync(key, ReadOptions.All))?.Name);
        Assert.Equal(await cluster.DataAsync(1, key), await cluster.DataAsync(0, key));
        Assert.Equal(written.Version.ToString(), await cluster.VersionAsync(0, key));
    }

    [Fact]
    public async Task Data_written_outside_the_library_reads_as_absent_and_is_replaced_by_the_first_write()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        const string key = "profile:legacy";
        foreach (var node in cluster.Nodes)
        {
            await node.Db.StringSetAsync(key, "written by redis-cli");
        }

        Assert.Null(await store.GetAsync(key, ReadOptions.All));
        Assert.Equal("written by redis-cli", (string?)await cluster[0].Db.StringGetAsync(key));

        var written = await store.SetAsync(key, new Profile { Id = 2, Name = "versioned" }, WriteOptions.All);

        Assert.Equal("versioned", (await store.GetAsync(key, ReadOptions.All))?.Name);
        Assert.All(await cluster.ReplicasAsync(key), r => Assert.Equal(written.Version.ToString(), r.Version));
    }

    [Fact]
    public async Task Key_of_another_replicated_type_is_neither_read_as_this_type_nor_overwritten()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var profiles = client.GetValueStore(Profile.Descriptor);
        var others = client.GetValueStore(new ReplicatedValueDescriptor<Profile>("tests.other", "other:{Id}"));
        const string key = "shared:1";
        await profiles.SetAsync(key, new Profile { Id = 1, Name = "profile" }, WriteOptions.All);

        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await others.GetAsync(key));
        var write = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await others.SetAsync(key, new Profile { Id = 1, Name = "other" }, WriteOptions.One));

        Assert.All(read.Outcomes, o => Assert.IsType<KeyTypeMismatchException>(o.Error));
        var mismatch = Assert.IsType<KeyTypeMismatchException>(write.Outcomes[0].Error);
        Assert.Equal("tests.profile", mismatch.StoredName);
        Assert.Equal("tests.other", mismatch.ExpectedName);
        Assert.False(write.IsIndeterminate);
        Assert.Equal("profile", (await profiles.GetAsync(key, ReadOptions.All))?.Name);
    }

    [Fact]
    public async Task Write_that_timed_out_on_a_hung_node_is_indeterminate_and_lands_when_the_node_continues()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromMilliseconds(500))).GetValueStore(Profile.Descriptor);
        const string key = "profile:late";

        // Scripts cached first: on a node that never saw them the late EVALSHA would only answer NOSCRIPT.
        await store.SetAsync("profile:warm-up", new Profile(), WriteOptions.All);
        cluster[2].Pause();
        QuorumNotReachedException error;
        try
        {
            error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync(key, new Profile { Id = 1, Name = "late" }, WriteOptions.All));
            Assert.NotNull(await cluster.VersionAsync(0, key));
            Assert.True(cluster[2].IsPaused);
        }
        finally
        {
            cluster[2].Resume();
        }

        Assert.Contains(error.Outcomes[2].Kind, new[] { NodeOutcomeKind.TimedOut, NodeOutcomeKind.Pending });
        Assert.Equal(2, error.Acknowledged);
        Assert.True(error.IsIndeterminate);
        await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, key) == error.Outcomes[0].StoredVersion?.ToString(), "the hung node ran the write when it continued");
    }

    [Fact]
    public async Task Client_with_a_slow_clock_that_has_read_a_value_writes_above_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var normal = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        // A minute slow: within MaxClockSkew (5 min), so the versions it reads are adopted (beyond it they are refused:
        // ClockSkewTests and BadInputCorpusTests).
        var slowClient = await cluster.CreateClientAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-1)));
        var slow = slowClient.GetValueStore(Profile.Descriptor);
        const string key = "profile:slow-clock";
        var first = await normal.SetAsync(key, new Profile { Id = 1, Name = "from the present" });

        Assert.Equal("from the present", (await slow.GetAsync(key))?.Name);
        var second = await slow.SetAsync(key, new Profile { Id = 1, Name = "from the slow clock" });

        Assert.True(second.Version > first.Version);
        Assert.Equal("from the slow clock", (await normal.GetAsync(key, ReadOptions.All))?.Name);
    }

    [Fact]
    public async Task Acknowledged_write_is_not_read_as_missing_when_one_of_its_two_holders_restarted_empty()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:wiped-holder";

        // W = 2 reaches nodes 0 and 1 only (node 2 missed it: a client cut off from it).
        var partitioned = await cluster.CreateClientAsync(nodes: [0, 1]);
        await partitioned.GetValueStore(Profile.Descriptor).SetAsync(key, new Profile { Id = 1, Name = "acknowledged" }, WriteOptions.All);

        // One node loss (node 0 wiped); node 1, the other holder, is merely slow (stopped) during the read.
        await cluster[0].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);
        cluster[1].Pause();
        Exception? failure;
        Profile? read = null;
        try
        {
            failure = await Record.ExceptionAsync(async () => read = await store.GetAsync(key, ReadOptions.Quorum));
        }
        finally
        {
            cluster[1].Resume();
        }

        // Either the read waits for / fails without node 1, or it returns the value; a null is a lost acknowledged write.
        Assert.True(failure is QuorumNotReachedException || read?.Name == "acknowledged", $"read returned {(read is null ? "null" : read.Name)}, failure {failure?.GetType().Name ?? "none"}");
    }
}
