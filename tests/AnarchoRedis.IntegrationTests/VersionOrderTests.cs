using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Versions are 128 bits; today's clock half alone (ms &lt;&lt; 16) is about 2^56, where a Lua number (a double) has a
/// resolution of 16. These tests pick versions that a double cannot tell apart.
/// </summary>
public sealed class VersionOrderTests : IClassFixture<RedisCluster>
{
    private readonly RedisCluster _cluster;

    public VersionOrderTests(RedisCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task Older_write_whose_clock_differs_only_in_the_lowest_bit_is_superseded_and_reads_return_the_newer()
    {
        // A cluster of its own: the fixture's nodes hold the other tests' keys, and a client that finds keys but no
        // epoch anywhere does not call the cluster new (the empty nodes would start filling).
        await using var cluster = await RedisCluster.StartAsync();
        const string key = "profile:low-bits";
        var now = DateTimeOffset.UtcNow;

        // Created first: a client that knows every node finds the cluster new and makes every node's epoch ready. (A
        // client that knows node 0 alone would make only node 0's, and every node without one would then be taken for
        // a node that lost its data: filling, its reads not counted.)
        var olderClient = await cluster.CreateClientAsync(o => o.WriterId = ulong.MaxValue, new FakeTimeProvider(now));

        // The newer write: second version of a client whose fake clock stands still, so its clock is c + 1; writer id 1.
        var newerClient = await cluster.CreateClientAsync(o => o.WriterId = 1, new FakeTimeProvider(now), nodes: [0]);
        var newerStore = newerClient.GetValueStore(Profile.Descriptor);
        await newerStore.SetAsync(key, new Profile { Id = 1, Name = "first" }, WriteOptions.One);
        var newer = new Profile { Id = 1, Name = "newer" };
        var newerWrite = await newerStore.SetAsync(key, newer, WriteOptions.One);

        // The older write: clock c, but the largest writer id, so a comparison that lost the clock's low bit would pick it.
        var olderStore = olderClient.GetValueStore(Profile.Descriptor);
        var olderWrite = await olderStore.SetAsync(key, new Profile { Id = 1, Name = "older" }, WriteOptions.All);

        Assert.Equal(newerWrite.Version.Clock - 1, olderWrite.Version.Clock);
        Assert.True(olderWrite.Version < newerWrite.Version);
        Assert.True(newerWrite.Version.Clock > (1UL << 53));
        Assert.Equal("true", await LuaNumbersEqualAsync(Hex(olderWrite.Version.Clock), Hex(newerWrite.Version.Clock)));

        // Node 0 answered "superseded" (it acknowledged without applying): it still holds the newer write.
        Assert.Equal(3, olderWrite.Acknowledged);
        Assert.Equal(newerWrite.Version.ToString(), await cluster.VersionAsync(0, key));
        Assert.Equal(olderWrite.Version.ToString(), await cluster.VersionAsync(1, key));

        var read = await olderStore.GetVersionedAsync(key, ReadOptions.All);

        Assert.Equal(newer, read?.Value);
        Assert.Equal(newerWrite.Version, read?.Version);
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(newerWrite.Version.ToString(), await cluster.VersionAsync(node, key));
            Assert.Equal(await cluster.DataAsync(0, key), await cluster.DataAsync(node, key));
        }

        // The superseded client has seen the newer version: its next write goes above it although its clock stands still.
        var next = await olderStore.SetAsync(key, new Profile { Id = 1, Name = "next" }, WriteOptions.All);
        Assert.True(next.Version > newerWrite.Version);
        Assert.Equal("next", (await newerStore.GetAsync(key, ReadOptions.One))?.Name);
    }

    [Theory]
    [InlineData("0190000000000001", "0000000000000001", "0190000000000000", "0000000000000001", false)] // clock -1: older
    [InlineData("0190000000000000", "0000000000000001", "0190000000000001", "0000000000000001", true)] // clock +1: newer
    [InlineData("0190000000000000", "0000000000000002", "0190000000000000", "0000000000000001", false)] // writer -1: older
    [InlineData("0190000000000000", "0000000000000001", "0190000000000000", "0000000000000002", true)] // writer +1: newer
    [InlineData("0190000000000000", "fffffffffffffff0", "0190000000000000", "ffffffffffffffff", true)] // writer low bits
    [InlineData("0190000000000000", "0000000000000001", "0190000000000000", "0000000000000001", false)] // equal: superseded
    public async Task Node_compares_versions_as_128_bit_numbers_where_lua_doubles_see_them_equal(
        string storedClock, string storedWriter, string incomingClock, string incomingWriter, bool applies)
    {
        // Clock halves like today's (0x0190... is about 2^56, where a double's resolution is 16).
        var stored = storedClock + storedWriter;
        var incoming = incomingClock + incomingWriter;
        var key = $"raw:{stored}:{incoming}";
        var db = _cluster[0].Db;

        // As Lua numbers these versions are equal, both whole and by clock half: a numeric comparison would be blind.
        Assert.Equal("true", await LuaNumbersEqualAsync(stored, incoming));
        Assert.Equal("true", await LuaNumbersEqualAsync(stored[..16], incoming[..16]));

        var first = (RedisResult[])(await RunWriteScriptAsync(db, key, stored, "stored"))!;
        Assert.Equal(0, (long)first[0]);

        var second = (RedisResult[])(await RunWriteScriptAsync(db, key, incoming, "incoming"))!;

        Assert.Equal(applies ? 0 : 1, (long)second[0]);
        Assert.Equal(applies ? incoming : stored, (string?)second[1]);
        Assert.Equal(applies ? incoming : stored, (string?)await db.HashGetAsync(RedisCluster.MetaKeyOf(key), "v"));
        Assert.Equal(applies ? "incoming" : "stored", (string?)await db.StringGetAsync(key));
    }

    private static Task<RedisResult> RunWriteScriptAsync(IDatabase db, string key, string version, string payload) =>
        db.ScriptEvaluateAsync(
            LuaScript.ValueWrite.Text,
            [key, RedisCluster.MetaKeyOf(key)],
            [version, "v", payload, "0", "0", "0", "tests.raw", "0"]);

    private static string Hex(ulong value) => value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string?> LuaNumbersEqualAsync(string a, string b) =>
        (string?)await _cluster[0].Db.ScriptEvaluateAsync("return tostring(tonumber(ARGV[1], 16) == tonumber(ARGV[2], 16))", values: [a, b]);
}
