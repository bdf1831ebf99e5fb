using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using MessagePack;
using MessagePack.Resolvers;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

public sealed class RoundTripTests : IClassFixture<RedisCluster>
{
    private readonly RedisCluster _cluster;

    public RoundTripTests(RedisCluster cluster) => _cluster = cluster;

    [Theory]
    [InlineData("profile:1")]
    [InlineData("profile:{2}")]
    public async Task Set_get_and_delete_round_trip_and_every_node_holds_the_same_bytes_and_version(string key)
    {
        var client = await _cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        var profile = new Profile { Id = 7, Name = "Ada", Age = 36 };
        var before = DateTimeOffset.UtcNow;

        var written = await store.SetAsync(key, profile);

        Assert.Equal(2, written.Required);
        Assert.True(written.Acknowledged >= 2);
        Assert.Equal(profile, await store.GetAsync(key));
        var versioned = await store.GetVersionedAsync(key);
        Assert.NotNull(versioned);
        Assert.Equal(profile, versioned.Value.Value);
        Assert.Equal(written.Version, versioned.Value.Version);
        Assert.InRange(written.Version.Timestamp, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        // The third node's write may still be in flight when W = 2 returned.
        await Eventually.HoldsAsync(
            async () => (await _cluster.ReplicasAsync(key)).All(r => r.Version == written.Version.ToString()),
            "every node holds the written version");
        var replicas = await _cluster.ReplicasAsync(key);
        var bytes = replicas[0].Data;
        Assert.NotNull(bytes);
        Assert.All(replicas, r => Assert.Equal(bytes, r.Data));
        var decoded = MessagePackSerializer.Deserialize<Profile>(bytes, MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance));
        Assert.Equal(profile, decoded);
        for (var node = 0; node < 3; node++)
        {
            var meta = await _cluster.MetaAsync(node, key);
            Assert.Equal(written.Version.ToString(), meta["v"]);
            Assert.Equal("0", meta["t"]);
            Assert.Equal("0", meta["x"]);
            Assert.Equal("v", meta["k"]);
            Assert.Equal("tests.profile", meta["n"]);
            Assert.Null(await _cluster[node].Db.KeyTimeToLiveAsync(RedisCluster.MetaKeyOf(key)));
        }

        var deleted = await store.DeleteAsync(key);

        Assert.True(deleted.Version > written.Version);
        Assert.Null(await store.GetAsync(key));
        Assert.Null(await store.GetVersionedAsync(key));
        await Eventually.HoldsAsync(
            async () => (await _cluster.ReplicasAsync(key)).All(r => r.Version == deleted.Version.ToString() && r.Data is null),
            "every node holds the tombstone and no data key");
        for (var node = 0; node < 3; node++)
        {
            var meta = await _cluster.MetaAsync(node, key);
            Assert.Equal("1", meta["t"]);
            Assert.InRange(long.Parse(meta["d"], System.Globalization.CultureInfo.InvariantCulture), before.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }
    }

    [Fact]
    public async Task Reading_a_key_never_written_returns_null_and_writes_nothing()
    {
        var client = await _cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);

        Assert.Null(await store.GetAsync("profile:never"));
        Assert.Null(await store.GetVersionedAsync("profile:never", ReadOptions.All));

        for (var node = 0; node < 3; node++)
        {
            Assert.False(await _cluster[node].Db.KeyExistsAsync("profile:never"));
            Assert.False(await _cluster[node].Db.KeyExistsAsync(RedisCluster.MetaKeyOf("profile:never")));
        }
    }
}
