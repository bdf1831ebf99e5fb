using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// A list's expiry belongs to the write that set it: a later push without a time to live clears it, a later push with
/// another one replaces it, on the data, the meta and the tombstones alike, and only the expiry of the newest such write
/// removes anything, whatever an older replica's copy did.
/// </summary>
public sealed class ListExpiryTests
{
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    private static string[] Texts(System.Collections.Generic.IEnumerable<ChatMessage> messages) => messages.Select(m => m.Text).ToArray();

    [Fact]
    public async Task A_push_without_a_time_to_live_clears_the_expiry_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(NoHints)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:ttl-cleared";

        await store.PushRightAsync(key, ChatMessage.Of("a"), new WriteOptions { TimeToLive = TimeSpan.FromMinutes(5), Consistency = Consistency.All });
        await store.RemoveAsync(key, ChatMessage.Of("nothing"));
        await store.PushRightAsync(key, ChatMessage.Of("b"), WriteOptions.All);

        for (var node = 0; node < 3; node++)
        {
            var db = cluster[node].Db;
            Assert.Null(await db.KeyTimeToLiveAsync(key));
            Assert.Null(await db.KeyTimeToLiveAsync(RedisCluster.MetaKeyOf(key)));
            Assert.Equal("0", (await cluster.MetaAsync(node, key))["x"]);
        }

        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key)));
    }

    [Fact]
    public async Task A_removal_gives_its_tombstones_the_expiry_of_the_list()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(NoHints)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:ttl-tombstones";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], new WriteOptions { TimeToLive = TimeSpan.FromMinutes(5), Consistency = Consistency.All });

        // At W = All: every node has applied the removal when it returns (at the default quorum the third node's could
        // still be on its way when the nodes are read; it failed once in CI so).
        Assert.Equal(1, await store.RemoveAsync(key, ChatMessage.Of("a"), WriteOptions.All));

        for (var node = 0; node < 3; node++)
        {
            var db = cluster[node].Db;
            var metaTtl = await db.KeyTimeToLiveAsync(RedisCluster.MetaKeyOf(key));
            var tombstoneTtl = await db.KeyTimeToLiveAsync(ListTestHelpers.TombstoneKeyOf(key));
            Assert.NotNull(metaTtl);
            Assert.NotNull(tombstoneTtl);
            Assert.InRange((metaTtl.Value - tombstoneTtl.Value).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task A_repair_clears_a_stale_expiry_on_the_node_that_missed_the_push_without_one()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:ttl-repair";
        await store.PushRightAsync(key, ChatMessage.Of("a"), new WriteOptions { TimeToLive = TimeSpan.FromMinutes(5), Consistency = Consistency.All });

        // Node 0 misses the push without a time to live: a client configured with nodes 1 and 2 only makes it.
        var others = (await cluster.CreateClientAsync(NoHints, nodes: [1, 2])).GetListStore(ChatMessage.Descriptor);
        await others.PushRightAsync(key, ChatMessage.Of("b"), WriteOptions.All);

        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        await Eventually.HoldsAsync(async () => await cluster.ConvergedAsync(key, 2), "node 0 is repaired", TimeSpan.FromSeconds(5));
        Assert.Null(await cluster[0].Db.KeyTimeToLiveAsync(key));
        Assert.Null(await cluster[0].Db.KeyTimeToLiveAsync(RedisCluster.MetaKeyOf(key)));
    }

    [Fact]
    public async Task A_replica_whose_copy_expired_does_not_delete_elements_a_newer_push_kept_alive()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:ttl-renewed";
        await store.PushRightAsync(key, ChatMessage.Of("a"), new WriteOptions { TimeToLive = TimeSpan.FromMilliseconds(800), Consistency = Consistency.All });

        // Nodes 1 and 2 get a newer push that renews the list for an hour; node 0 misses it, and its copy expires.
        var others = (await cluster.CreateClientAsync(NoHints, nodes: [1, 2])).GetListStore(ChatMessage.Descriptor);
        await others.PushRightAsync(key, ChatMessage.Of("b"), new WriteOptions { TimeToLive = TimeSpan.FromHours(1), Consistency = Consistency.All });
        await Eventually.HoldsAsync(async () => await cluster[0].Db.ListLengthAsync(key) == 0, "node 0's copy expires", TimeSpan.FromSeconds(5));

        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        await Eventually.HoldsAsync(async () => await cluster.ConvergedAsync(key, 2), "node 0 is repaired", TimeSpan.FromSeconds(5));
        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
    }
}
