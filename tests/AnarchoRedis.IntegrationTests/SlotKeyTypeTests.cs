using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// The slot index and digest keys are checked like every other key a write script touches, before its first write: a
/// node where one of them holds another Redis type refuses the write whole, and keeps exactly what it had.
/// </summary>
public sealed class SlotKeyTypeTests
{
    private static readonly SlotKeys Slots = new("anrcho_slot:");

    [Fact]
    public async Task A_value_write_to_a_node_whose_slot_digest_is_not_a_hash_changes_nothing_there()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false)).GetValueStore(Profile.Descriptor);
        const string key = "profile:slot-type";
        var first = await store.SetAsync(key, new Profile { Id = 1, Name = "first" }, WriteOptions.All);
        var digest = Slots.DigestKey(HashSlot.Of(key));
        await cluster[0].Db.KeyDeleteAsync(digest);
        await cluster[0].Db.StringSetAsync(digest, "not a hash");
        var entryBefore = await cluster[0].Db.HashGetAsync(Slots.IndexKey(HashSlot.Of(key)), key);
        var dataBefore = await cluster.DataAsync(0, key);

        var second = await store.SetAsync(key, new Profile { Id = 1, Name = "second" }, WriteOptions.Quorum);

        Assert.Equal(2, second.Acknowledged);
        Assert.Equal(first.Version.ToString(), await cluster.VersionAsync(0, key));
        Assert.Equal(dataBefore, await cluster.DataAsync(0, key));
        Assert.Equal(entryBefore, await cluster[0].Db.HashGetAsync(Slots.IndexKey(HashSlot.Of(key)), key));
    }

    [Fact]
    public async Task A_list_push_to_a_node_whose_slot_index_is_not_a_hash_changes_nothing_there()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:slot-type";
        await store.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);
        var index = Slots.IndexKey(HashSlot.Of(key));
        await cluster[0].Db.KeyDeleteAsync(index);
        await cluster[0].Db.StringSetAsync(index, "not a hash");

        var pushed = await store.PushRightAsync(key, ChatMessage.Of("b"), WriteOptions.Quorum);

        Assert.Equal(2, pushed.Acknowledged);
        Assert.Equal(1, await cluster[0].Db.ListLengthAsync(key));
        Assert.Equal("1", (await cluster.MetaAsync(0, key))["c"]);
    }
}
