using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// A replica whose data key is gone while its meta says it holds data (evicted under maxmemory, or deleted by hand) is
/// "missing": its answer must not count toward R (else it and a stale node can outvote the acknowledged write), it is
/// repaired, and it is counted (<c>anarchoredis.node.errors{kind=missing}</c>).
/// </summary>
public sealed class MissingReplicaTests
{
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    [Fact]
    public async Task An_evicted_value_does_not_count_toward_r_so_a_stale_node_cannot_win_the_read()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var errors = new CounterRecorder(meters, "anarchoredis.node.errors");
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints), meterFactory: meters);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:evicted";
        await store.SetAsync(key, new Profile { Id = 1, Name = "v1" }, WriteOptions.All);

        // v2 is acknowledged by nodes 0 and 1 (W = 2); node 2 keeps v1. Then node 1 loses v2's data (evicted) and node 0 dies.
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetValueStore(Profile.Descriptor);
        await partial.GetAsync(key, ReadOptions.All);
        await partial.SetAsync(key, new Profile { Id = 1, Name = "v2" }, WriteOptions.All);
        await cluster[1].Db.KeyDeleteAsync(key);
        cluster[0].Kill();

        // R = 2 of {node 1: missing, node 2: v1}: not a quorum that may answer v1.
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.Quorum));
        Assert.IsType<ReplicaDataMissingException>(read.Outcomes[1].Error);
        Assert.True(errors.Tagged("kind", "missing") >= 1, errors.ToString());
    }

    [Fact]
    public async Task A_value_whose_data_vanished_long_before_its_expiry_is_missing_not_expired_and_is_repaired()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:vanished";
        await store.SetAsync(key, new Profile { Id = 1, Name = "kept" }, new WriteOptions { TimeToLive = TimeSpan.FromHours(1), Consistency = Consistency.All });
        await cluster[1].Db.KeyDeleteAsync(key);
        await cluster[2].Db.KeyDeleteAsync(key);

        // Two of three copies vanished an hour before their expiry: the value is not "expired".
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.All));
        Assert.IsType<ReplicaDataMissingException>(read.Outcomes[2].Error);
        Assert.Equal("kept", (await store.GetAsync(key, ReadOptions.One))?.Name);
        await Eventually.HoldsAsync(async () => await cluster.DataAsync(1, key) is not null && await cluster.DataAsync(2, key) is not null, "the missing copies are repaired");
    }

    [Fact]
    public async Task An_evicted_list_does_not_count_toward_r_so_a_stale_empty_node_cannot_agree_with_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:evicted";

        // Pushes acknowledged by nodes 0 and 1 only; node 1 then loses the list's data (evicted) and node 0 dies.
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetListStore(ChatMessage.Descriptor);
        await partial.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await cluster[1].Db.KeyDeleteAsync(key);
        cluster[0].Kill();

        // Node 1 (evicted: count 0) and node 2 (never had it: count 0) must not agree that the list is empty.
        var read = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.RangeAsync(key, options: ReadOptions.Quorum));
        Assert.IsType<ReplicaDataMissingException>(read.Outcomes[1].Error);
    }
    [Fact]
    public async Task A_list_whose_meta_was_evicted_is_repaired_by_a_pass_not_left_as_foreign_data()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.Hints.Enabled = false;
            o.AntiEntropy.MaxKeysPerSecond = 0;
        });
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:meta-evicted";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);

        // Eviction took the meta key and left the envelopes: not data written outside the library.
        await cluster[1].Db.KeyDeleteAsync(RedisCluster.MetaKeyOf(key));
        var report = await new AntiEntropyRunner(client, new ReplicatedTypeRegistry(ChatMessage.Descriptor)).RunPassAsync(AntiEntropyPassMode.Scan);

        Assert.True(report.IsClean, report.ToString());
        Assert.True(await cluster.ConvergedAsync(key, 2));
        Assert.Equal(["a", "b"], (await store.RangeAsync(key, options: ReadOptions.All)).Select(m => m.Text).ToArray());
    }
}
