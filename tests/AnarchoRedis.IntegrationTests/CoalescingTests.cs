using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Value writes and reads to one node are coalesced under load (<see cref="ScriptBatcher"/>): calls that wait for a free
/// slot go together as one call of the script's batch form. Each call must get exactly the reply, or the error, it would have
/// had alone, on a real redis-server.
/// </summary>
public sealed class CoalescingTests
{
    private static readonly HybridLogicalClock Clock = new(TimeProvider.System, writerId: 11);

    [Fact]
    public async Task A_batch_in_which_some_writes_fail_their_checks_gives_each_write_its_own_outcome()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        await db.StringSetAsync(RedisCluster.MetaKeyOf("coalesce:clash"), "not a hash");
        // The write script is loaded (a client loads it on its first NOSCRIPT); its batch form is not: the batcher loads it.
        await cluster[0].Server.ScriptLoadAsync(LuaScript.ValueWrite.Text);
        var channel = new RedisNodeChannel(db, maxBatchSize: 64, maxInFlight: 1);
        var versions = Enumerable.Range(0, 10).Select(_ => Clock.Next()).ToArray();

        // The first call takes the only slot; the rest wait for it and go as one batch: seven good writes, one whose
        // meta key is a string (a status reply), one superseded by an older version, one whose script raises an error.
        var calls = new Task<RedisResult>[10];
        for (var i = 0; i < 7; i++)
        {
            calls[i] = channel.EvaluateAsync(LuaScript.ValueWrite, Keys($"coalesce:{i}"), Args(versions[i], $"v{i}"));
        }

        calls[7] = channel.EvaluateAsync(LuaScript.ValueWrite, Keys("coalesce:clash"), Args(versions[7], "x"));
        calls[8] = channel.EvaluateAsync(LuaScript.ValueWrite, Keys("coalesce:3"), Args(versions[0], "older than v3"));
        calls[9] = channel.EvaluateAsync(LuaScript.ValueWrite, Keys("coalesce:bad"), [versions[9].ToString(), "v", "x", "soon", "0", "0", "tests.text", "0"]);

        for (var i = 0; i < 7; i++)
        {
            var reply = (RedisResult[])(await calls[i])!;
            Assert.Equal((0L, versions[i].ToString()), ((long)reply[0], (string?)reply[1]));
            Assert.Equal($"v{i}", (string?)await db.StringGetAsync($"coalesce:{i}"));
        }

        var clash = (RedisResult[])(await calls[7])!;
        Assert.Equal((-1L, "string"), ((long)clash[0], (string?)clash[1]));
        var superseded = (RedisResult[])(await calls[8])!;
        Assert.Equal((1L, versions[3].ToString()), ((long)superseded[0], (string?)superseded[1]));
        Assert.Equal("v3", (string?)await db.StringGetAsync("coalesce:3"));
        // An expiry that is not a number makes PEXPIREAT raise: that call gets the error, as it would alone, and no other.
        var raised = await Assert.ThrowsAsync<RedisServerException>(() => calls[9]);
        Assert.Contains("not an integer", raised.Message, StringComparison.Ordinal);

        var batcher = channel.ValueWriteBatcher!;
        Assert.Equal(1, batcher.Batches);
        Assert.Equal(9, batcher.Batched);
    }

    [Fact]
    public async Task A_batch_of_reads_gives_each_read_what_it_would_have_read_alone()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        await cluster[0].Server.ScriptLoadAsync(LuaScript.ValueWrite.Text);
        await cluster[0].Server.ScriptLoadAsync(LuaScript.ValueRead.Text);
        await db.HashSetAsync(AntiEntropy.NodeDump.EpochKey, "id", "e");
        var version = Clock.Next();
        await db.ScriptEvaluateAsync(LuaScript.ValueWrite.Sha1, Keys("coalesce:r"), Args(version, "stored"));
        await db.ListRightPushAsync("coalesce:list", "x");
        var channel = new RedisNodeChannel(db, maxBatchSize: 64, maxInFlight: 1);

        // The first read takes the only slot; the other four wait and go as one batch: a stored value, a missing key,
        // a data key of the wrong type, and a read whose epoch key names a key that does not exist (a wiped node).
        RedisKey epoch = AntiEntropy.NodeDump.EpochKey;
        var first = channel.EvaluateAsync(LuaScript.ValueRead, [.. Keys("coalesce:r"), epoch], []);
        var stored = channel.EvaluateAsync(LuaScript.ValueRead, [.. Keys("coalesce:r"), epoch], []);
        var missing = channel.EvaluateAsync(LuaScript.ValueRead, [.. Keys("coalesce:none"), epoch], []);
        var wrongType = channel.EvaluateAsync(LuaScript.ValueRead, [.. Keys("coalesce:list"), epoch], []);
        var wiped = channel.EvaluateAsync(LuaScript.ValueRead, [.. Keys("coalesce:r"), "no-such-epoch"], []);

        foreach (var read in new[] { first, stored })
        {
            var reply = (RedisResult[])(await read)!;
            Assert.Equal((0L, version.ToString(), "stored"), ((long)reply[0], (string?)reply[1], (string?)reply[7]));
        }

        var none = (RedisResult[])(await missing)!;
        Assert.Equal(0L, (long)none[0]);
        Assert.True(none[1].IsNull && none[7].IsNull);
        var clash = (RedisResult[])(await wrongType)!;
        Assert.Equal((-2L, "list"), ((long)clash[0], (string?)clash[1]));
        Assert.Equal(-7L, (long)((RedisResult[])(await wiped)!)[0]);
        Assert.Equal(1, channel.ValueReadBatcher!.Batches);
        Assert.Equal(4, channel.ValueReadBatcher.Batched);
    }

    [Fact]
    public async Task Concurrent_writes_through_the_client_are_coalesced_and_all_land_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.MaxBatchSize = 64;
            o.MaxCallsInFlightPerNode = 1;
        });
        var store = client.GetValueStore(Profile.Descriptor);

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => store.SetAsync($"profile:c{i}", new Profile { Id = i, Name = $"n{i}" }, WriteOptions.All).AsTask()));

        for (var n = 0; n < 3; n++)
        {
            Assert.Equal(400, (await Task.WhenAll(Enumerable.Range(0, 400).Select(i => cluster[n].Db.KeyExistsAsync($"profile:c{i}")))).Count(e => e));
        }

        await AntiEntropy.NodeDump.AssertIdenticalAsync(cluster);
        var batched = client.ReplicaNodes.Sum(node => node.ValueWriteBatcher?.Batched ?? 0);
        Assert.True(batched > 0, "no write was coalesced");

        var read = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => store.GetAsync($"profile:c{i}", ReadOptions.All).AsTask()));
        Assert.Equal(Enumerable.Range(0, 400), read.Select(p => p!.Id));
        Assert.True(client.ReplicaNodes.Sum(node => node.ValueReadBatcher?.Batched ?? 0) > 0, "no read was coalesced");
    }

    private static RedisKey[] Keys(string key) => [key, RedisCluster.MetaKeyOf(key)];

    private static RedisValue[] Args(ReplicatedVersion version, string payload) =>
        [version.ToString(), "v", payload, "0", "0", "0", "tests.text", "0"];
}
