using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>One node holds something the library did not write. The others carry on; the bad copy is left as is.</summary>
public sealed class CorruptNodeDataTests
{
    public enum Damage
    {
        MetaKeyIsAString,
        MetaVersionIsNotHex,
        DataKeyIsAList,
    }

    [Theory]
    [InlineData(Damage.MetaKeyIsAString)]
    [InlineData(Damage.MetaVersionIsNotHex)]
    [InlineData(Damage.DataKeyIsAList)]
    public async Task Garbage_on_one_node_is_reported_left_untouched_and_outvoted_by_the_others(Damage damage)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        var key = $"profile:garbage-{damage}";
        var meta = RedisCluster.MetaKeyOf(key);
        var good = new Profile { Id = 4, Name = "good", Age = 40 };
        await store.SetAsync(key, good, WriteOptions.All);
        const int bad = 1;
        var db = cluster[bad].Db;
        switch (damage)
        {
            case Damage.MetaKeyIsAString:
                await db.KeyDeleteAsync(meta);
                await db.StringSetAsync(meta, "garbage");
                break;
            case Damage.MetaVersionIsNotHex:
                await db.HashSetAsync(meta, "v", "zzz");
                break;
            case Damage.DataKeyIsAList:
                await db.KeyDeleteAsync(key);
                await db.ListRightPushAsync(key, "garbage");
                break;
        }

        var snapshot = await DumpAsync(db, key, meta);
        var expectedError = damage == Damage.DataKeyIsAList ? typeof(WrongRedisTypeException) : typeof(CorruptMetadataException);

        // Quorum read: the two good nodes decide; nothing crashes and nothing is written over the bad copy.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(good, await store.GetAsync(key, ReadOptions.Quorum));
        }

        // R = All cannot be met: the bad node's outcome says why, as a typed error naming the node.
        var readError = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.GetAsync(key, ReadOptions.All));
        Assert.Equal(2, readError.Acknowledged);
        var readOutcome = readError.Outcomes[bad];
        Assert.Equal(NodeOutcomeKind.Failed, readOutcome.Kind);
        Assert.IsType(expectedError, readOutcome.Error);
        Assert.Equal(cluster[bad].EndPoint, ((NodeDataException)readOutcome.Error!).Node);
        Assert.All(readError.Outcomes.Where((_, i) => i != bad), o => Assert.Equal(NodeOutcomeKind.Applied, o.Kind));

        // W = All fails the same way (indeterminate: the good nodes applied it)...
        var writeError = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync(key, new Profile { Id = 4, Name = "all" }, WriteOptions.All));
        Assert.IsType(expectedError, writeError.Outcomes[bad].Error);
        Assert.Equal(NodeOutcomeKind.Failed, writeError.Outcomes[bad].Kind);
        Assert.True(writeError.IsIndeterminate);

        // ...while W = Quorum succeeds on the good nodes.
        var newest = new Profile { Id = 4, Name = "quorum" };
        var written = await store.SetAsync(key, newest, WriteOptions.Quorum);
        Assert.Equal(2, written.Acknowledged);
        Assert.Equal(newest, await store.GetAsync(key));
        await Eventually.HoldsAsync(
            async () => await cluster.VersionAsync(0, key) == written.Version.ToString() && await cluster.VersionAsync(2, key) == written.Version.ToString(),
            "both good nodes hold the newest write");

        Assert.Equal(snapshot, await DumpAsync(db, key, meta));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Undecodable_bytes_on_one_node_are_outvoted_and_repaired_by_a_read(int bad)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:undecodable";
        var good = new Profile { Id = 8, Name = "intact", Age = 8 };
        var written = await store.SetAsync(key, good, WriteOptions.All);
        var goodBytes = await cluster.DataAsync((bad + 1) % 3, key);

        // 0xc1 is a byte MessagePack never uses; the meta key is kept, so the copy claims the current version.
        var junk = new byte[] { 0xc1, 0xc1, 0x00, 0xff, 0x13, 0x37 };
        await cluster[bad].Db.StringSetAsync(key, junk);

        var read = await store.GetVersionedAsync(key, ReadOptions.All);

        Assert.Equal(good, read?.Value);
        Assert.Equal(written.Version, read?.Version);
        await Eventually.HoldsAsync(async () => (await cluster.DataAsync(bad, key))?.AsSpan().SequenceEqual(goodBytes) == true, $"node {bad}'s bytes are repaired");
        Assert.Equal(written.Version.ToString(), await cluster.VersionAsync(bad, key));
    }

    [Fact]
    public async Task Read_fails_with_a_decode_error_naming_the_node_when_no_copy_of_the_winner_decodes()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:all-undecodable";
        await store.SetAsync(key, new Profile { Id = 1 }, WriteOptions.All);
        for (var node = 0; node < 3; node++)
        {
            await cluster[node].Db.StringSetAsync(key, new byte[] { 0xc1 });
        }

        var error = await Assert.ThrowsAsync<ValueDecodeException>(async () => await store.GetAsync(key, ReadOptions.All));

        Assert.Equal(typeof(Profile), error.ValueType);
        Assert.Contains(error.Node, cluster.Nodes.Select(n => n.EndPoint));
    }

    private static async Task<string> DumpAsync(IDatabase db, string key, string meta)
    {
        var dataType = await db.KeyTypeAsync(key);
        var metaType = await db.KeyTypeAsync(meta);
        var data = dataType switch
        {
            RedisType.String => (string?)await db.StringGetAsync(key),
            RedisType.List => string.Join(",", (await db.ListRangeAsync(key)).Select(v => (string?)v)),
            _ => null,
        };
        var metaText = metaType switch
        {
            RedisType.String => (string?)await db.StringGetAsync(meta),
            RedisType.Hash => string.Join(",", (await db.HashGetAllAsync(meta)).OrderBy(e => (string?)e.Name).Select(e => $"{e.Name}={e.Value}")),
            _ => null,
        };
        return $"{dataType}:{data} | {metaType}:{metaText}";
    }
}
