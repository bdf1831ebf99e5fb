using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

public sealed class TimeToLiveTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Value_with_a_time_to_live_expires_at_one_absolute_time_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:ttl";
        var profile = new Profile { Id = 2, Name = "ephemeral" };
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await store.SetAsync(key, profile, new WriteOptions { TimeToLive = Ttl, Consistency = Consistency.All });

        Assert.Equal(profile, await store.GetAsync(key));
        var expiries = new long[3];
        for (var node = 0; node < 3; node++)
        {
            expiries[node] = (long)await cluster[node].Db.ExecuteAsync("PEXPIRETIME", key);
            Assert.Equal(expiries[node].ToString(System.Globalization.CultureInfo.InvariantCulture), (await cluster.MetaAsync(node, key))["x"]);
            Assert.True((long)await cluster[node].Db.ExecuteAsync("PEXPIRETIME", RedisCluster.MetaKeyOf(key)) > expiries[node], "the meta key outlives the data");
        }

        Assert.All(expiries, e => Assert.Equal(expiries[0], e));
        Assert.InRange(expiries[0], before + (long)Ttl.TotalMilliseconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)Ttl.TotalMilliseconds);

        await WaitPastAsync(expiries[0]);

        Assert.Null(await store.GetAsync(key));
        Assert.Null(await store.GetVersionedAsync(key, ReadOptions.All));
        for (var node = 0; node < 3; node++)
        {
            Assert.Null(await cluster.DataAsync(node, key));
            Assert.Equal("0", (await cluster.MetaAsync(node, key))["t"]);
        }
    }

    [Fact]
    public async Task Stale_replica_that_missed_an_expiring_overwrite_cannot_bring_the_old_value_back()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:ttl-stale";
        var old = await store.SetAsync(key, new Profile { Id = 3, Name = "old, no ttl" }, WriteOptions.All);

        // The overwrite with a TTL reaches nodes 0 and 1 only (a client cut off from node 2), so node 2 keeps the old value.
        // (SIGSTOP would not do: the script queued on a stopped node runs when it continues.)
        var partitioned = await cluster.CreateClientAsync(nodes: [0, 1]);
        var overwrite = await partitioned.GetValueStore(Profile.Descriptor)
            .SetAsync(key, new Profile { Id = 3, Name = "new, expiring" }, new WriteOptions { TimeToLive = Ttl, Consistency = Consistency.All });
        var expiry = long.Parse((await cluster.MetaAsync(0, key))["x"], System.Globalization.CultureInfo.InvariantCulture);

        await WaitPastAsync(expiry);
        Assert.Equal(old.Version.ToString(), await cluster.VersionAsync(2, key));
        Assert.NotNull(await cluster.DataAsync(2, key));

        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await store.GetAsync(key, ReadOptions.Quorum));
        }

        Assert.Null(await store.GetAsync(key, ReadOptions.All));
        await Eventually.HoldsAsync(
            async () => await cluster.VersionAsync(2, key) == overwrite.Version.ToString() && await cluster.DataAsync(2, key) is null,
            "the stale node is repaired to the expired state (newer version, no data)");
        Assert.Equal((await cluster.MetaAsync(0, key))["x"], (await cluster.MetaAsync(2, key))["x"]);
        Assert.Null(await store.GetAsync(key, ReadOptions.One));
    }

    [Fact]
    public async Task Overwrite_without_a_time_to_live_clears_the_previous_expiry()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:ttl-cleared";
        await store.SetAsync(key, new Profile { Id = 1 }, new WriteOptions { TimeToLive = Ttl, Consistency = Consistency.All });

        await store.SetAsync(key, new Profile { Id = 1, Name = "forever" }, WriteOptions.All);

        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(-1L, (long)await cluster[node].Db.ExecuteAsync("PEXPIRETIME", key));
            Assert.Equal(-1L, (long)await cluster[node].Db.ExecuteAsync("PEXPIRETIME", RedisCluster.MetaKeyOf(key)));
            Assert.Equal("0", (await cluster.MetaAsync(node, key))["x"]);
        }

        await Task.Delay(Ttl + TimeSpan.FromMilliseconds(200));
        Assert.Equal("forever", (await store.GetAsync(key, ReadOptions.All))?.Name);
    }

    [Fact]
    public async Task Read_repair_gives_a_node_restarted_empty_the_same_absolute_expiry()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:ttl-repair";
        await store.SetAsync(key, new Profile { Id = 1, Name = "expiring" }, new WriteOptions { TimeToLive = TimeSpan.FromMinutes(5), Consistency = Consistency.All });
        var expiry = (long)await cluster[0].Db.ExecuteAsync("PEXPIRETIME", key);

        await cluster[2].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);

        // Node 2 is filling (restarted empty): its answer does not count toward R, but it is repaired.
        Assert.Equal("expiring", (await store.GetAsync(key, ReadOptions.Quorum))?.Name);

        await Eventually.HoldsAsync(async () => await cluster.DataAsync(2, key) is not null, "node 2 is refilled");
        Assert.Equal(expiry, (long)await cluster[2].Db.ExecuteAsync("PEXPIRETIME", key));
        Assert.Equal(await cluster.MetaAsync(0, key), await cluster.MetaAsync(2, key));
        Assert.Equal((long)await cluster[0].Db.ExecuteAsync("PEXPIRETIME", RedisCluster.MetaKeyOf(key)), (long)await cluster[2].Db.ExecuteAsync("PEXPIRETIME", RedisCluster.MetaKeyOf(key)));
    }

    private static async Task WaitPastAsync(long unixMs)
    {
        var wait = DateTimeOffset.FromUnixTimeMilliseconds(unixMs + 50) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }
}
