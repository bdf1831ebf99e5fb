using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// <see cref="ReplicatedValueStore{T}.SetManyAsync(System.Collections.Generic.IEnumerable{System.Collections.Generic.KeyValuePair{string, T}}, WriteOptions?, System.Threading.CancellationToken)"/> and <see cref="ReplicatedValueStore{T}.GetManyAsync"/>: many
/// writes or reads in one call, coalesced per node, each item with the outcome it would have had alone.
/// </summary>
public sealed class BatchApiTests
{
    [Fact]
    public async Task A_batch_write_gives_each_item_its_own_outcome_and_one_failure_does_not_fail_the_others()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.MaxValueBytes = 1024);
        var store = client.GetValueStore(Profile.Descriptor);

        // One key's meta is a string on every node: its write fails the type check everywhere, so its quorum fails.
        for (var n = 0; n < 3; n++)
        {
            await cluster[n].Db.StringSetAsync(RedisCluster.MetaKeyOf("profile:clash"), "not a hash");
        }

        var items = new List<KeyValuePair<string, Profile>>();
        for (var i = 0; i < 100; i++)
        {
            items.Add(new($"profile:b{i}", new Profile { Id = i, Name = "n" + i }));
        }

        items.Insert(10, new("profile:clash", new Profile { Id = -1 }));
        items.Insert(20, new(new string('k', 100_000), new Profile { Id = -2 }));
        items.Insert(30, new("profile:huge", new Profile { Id = -3, Name = new string('x', 4096) }));

        var results = await store.SetManyAsync(items, WriteOptions.All);

        Assert.Equal(items.Count, results.Count);
        Assert.Equal(items.Select(i => i.Key), results.Select(r => r.Key));
        Assert.IsType<QuorumNotReachedException>(results[10].Error);
        Assert.IsType<InvalidKeyException>(results[20].Error);
        Assert.IsType<ValueTooLargeException>(results[30].Error);
        Assert.Throws<InvalidOperationException>(() => results[10].Value);
        for (var i = 0; i < items.Count; i++)
        {
            if (i is 10 or 20 or 30)
            {
                continue;
            }

            Assert.True(results[i].IsSuccess, $"{items[i].Key}: {results[i].Error}");
            Assert.Equal(3, results[i].Value.Acknowledged);
            for (var n = 0; n < 3; n++)
            {
                Assert.Equal(results[i].Value.Version.ToString(), await cluster.VersionAsync(n, items[i].Key));
            }
        }

        Assert.Equal("not a hash", (string?)await cluster[0].Db.StringGetAsync(RedisCluster.MetaKeyOf("profile:clash")));
        Assert.Null(await cluster.VersionAsync(0, "profile:huge"));
    }

    [Fact]
    public async Task A_batch_read_returns_each_key_in_order_and_the_reads_to_a_node_go_in_few_calls()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        var written = await store.SetManyAsync(Enumerable.Range(0, 200).Select(i => new KeyValuePair<string, Profile>($"profile:g{i}", new Profile { Id = i })), WriteOptions.All);
        Assert.All(written, w => Assert.True(w.IsSuccess));
        await store.DeleteAsync("profile:g7", WriteOptions.All);

        // A data key of the wrong type on every node: that read fails, the others do not.
        for (var n = 0; n < 3; n++)
        {
            await cluster[n].Db.KeyDeleteAsync("profile:g9");
            await cluster[n].Db.ListRightPushAsync("profile:g9", "not a value");
        }

        var keys = Enumerable.Range(0, 200).Select(i => $"profile:g{i}").Append("profile:never").ToArray();
        var before = await EvalShaCallsAsync(cluster);
        var results = await store.GetManyAsync(keys);
        var calls = await EvalShaCallsAsync(cluster) - before;

        Assert.Equal(keys, results.Select(r => r.Key));
        Assert.Null(results[7].Value);
        Assert.Null(results[200].Value);
        Assert.False(results[9].IsSuccess);
        for (var i = 0; i < 200; i++)
        {
            if (i is 7 or 9)
            {
                continue;
            }

            Assert.Equal(i, results[i].Value!.Value.Value.Id);
            Assert.Equal(written[i].Value.Version, results[i].Value!.Value.Version);
        }

        // 201 reads to 3 nodes alone would be 603 script calls; coalesced, far fewer (the read repair of none).
        Assert.True(calls < 300, $"{calls} script calls for 201 reads");
    }

    private static async Task<long> EvalShaCallsAsync(RedisCluster cluster)
    {
        long calls = 0;
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            calls += (await cluster.CommandStatsAsync(i)).GetValueOrDefault("evalsha").Calls;
        }

        return calls;
    }
}
