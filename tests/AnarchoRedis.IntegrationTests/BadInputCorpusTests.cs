using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using AnarchoRedis.Testing;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Bad-input corpus (docs/reliability.md), part 1: bytes on a node the library cannot use (undecodable payloads, corrupt
/// meta fields) and keys with awkward characters. Each case ends in a typed error or a documented repair, and nothing a
/// good replica holds is lost. Hostile nodes are in <see cref="HostileNodeTests"/>, lists in <see cref="BadListDataTests"/>.
/// </summary>
public sealed class BadInputCorpusTests
{
    private const int Bad = 1;
    private readonly ITestOutputHelper _output;

    public BadInputCorpusTests(ITestOutputHelper output) => _output = output;

    public enum PayloadDamage
    {
        /// <summary>The first half of a valid payload.</summary>
        Truncated,

        /// <summary>64 random bytes (seeded).</summary>
        RandomBytes,

        /// <summary>A member nested 10,000 arrays deep, over MessagePack's untrusted-data depth limit (500).</summary>
        NestedTooDeep,

        /// <summary>An array32 header claiming 2^31 elements, followed by one byte.</summary>
        HugeLengthHeader,
    }

    public enum MetaDamage
    {
        TombstoneFlagIsTwo,
        ExpiryIsNotANumber,
        VersionFieldMissing,
        VersionInUppercase,
        UnknownKind,
        UnknownTypeName,
    }

    [Theory]
    [InlineData(PayloadDamage.Truncated)]
    [InlineData(PayloadDamage.RandomBytes)]
    [InlineData(PayloadDamage.NestedTooDeep)]
    [InlineData(PayloadDamage.HugeLengthHeader)]
    public async Task Undecodable_payload_is_repaired_from_a_good_copy_and_is_a_decode_error_naming_the_node_when_no_copy_decodes(PayloadDamage damage)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Note.Descriptor);
        var key = $"note:{damage}";
        var note = new Note { Id = 1, Title = "intact", Body = new object[] { 1L, "two" } };
        var written = await store.SetAsync(key, note, WriteOptions.All);
        var good = (await cluster.DataAsync(0, key))!;
        var junk = Damaged(good, damage);

        // One node: the read answers from a good copy of the same version and writes it back over the bad one.
        await cluster[Bad].Db.StringSetAsync(key, junk);
        var read = await TimedAsync($"{damage}: R=All read, one bad copy", () => store.GetVersionedAsync(key, ReadOptions.All).AsTask());
        Assert.Equal(written.Version, read?.Version);
        Assert.Equal("intact", read?.Value.Title);
        await Eventually.HoldsAsync(async () => (await cluster.DataAsync(Bad, key))?.AsSpan().SequenceEqual(good) == true, "the bad copy is repaired");

        // Every node: nothing to repair from, a typed error naming a node, and no copy is overwritten.
        foreach (var node in cluster.Nodes)
        {
            await node.Db.StringSetAsync(key, junk);
        }

        var error = await Assert.ThrowsAsync<ValueDecodeException>(() => TimedAsync($"{damage}: R=Quorum read, no good copy", () => store.GetAsync(key, ReadOptions.Quorum).AsTask()));
        Assert.Equal(typeof(Note), error.ValueType);
        Assert.Contains(error.Node, cluster.Nodes.Select(n => n.EndPoint));
        Assert.Equal(key, error.Key);
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(junk, await cluster.DataAsync(node, key));
        }

        // A new write replaces the undecodable copies (it is newer); nothing else was lost.
        await store.SetAsync(key, note with { Title = "rewritten" }, WriteOptions.All);
        Assert.Equal("rewritten", (await store.GetAsync(key, ReadOptions.All))?.Title);
    }

    [Theory]
    [InlineData(MetaDamage.TombstoneFlagIsTwo, typeof(CorruptMetadataException), true)]
    [InlineData(MetaDamage.ExpiryIsNotANumber, typeof(CorruptMetadataException), true)]
    [InlineData(MetaDamage.VersionFieldMissing, typeof(CorruptMetadataException), true)]
    [InlineData(MetaDamage.VersionInUppercase, typeof(CorruptMetadataException), false)]
    [InlineData(MetaDamage.UnknownKind, typeof(CorruptMetadataException), false)]
    [InlineData(MetaDamage.UnknownTypeName, typeof(KeyTypeMismatchException), false)]
    public async Task Corrupt_meta_field_on_one_node_is_a_typed_error_for_that_node_and_the_others_answer(MetaDamage damage, Type expected, bool nextWriteRewritesIt)
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var metrics = new NodeErrorRecorder();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        var key = $"profile:meta-{damage}";
        var meta = RedisCluster.MetaKeyOf(key);
        var written = await store.SetAsync(key, new Profile { Id = 1, Name = "good" }, WriteOptions.All);
        var db = cluster[Bad].Db;
        switch (damage)
        {
            case MetaDamage.TombstoneFlagIsTwo:
                await db.HashSetAsync(meta, "t", "2");
                break;
            case MetaDamage.ExpiryIsNotANumber:
                await db.HashSetAsync(meta, "x", "soon");
                break;
            case MetaDamage.VersionFieldMissing:
                await db.HashDeleteAsync(meta, "v");
                break;
            case MetaDamage.VersionInUppercase:
                await db.HashSetAsync(meta, "v", written.Version.ToString().ToUpperInvariant());
                break;
            case MetaDamage.UnknownKind:
                await db.HashSetAsync(meta, "k", "z");
                break;
            case MetaDamage.UnknownTypeName:
                await db.HashSetAsync(meta, "n", "tests.no-such-type");
                break;
        }

        var damagedMeta = await cluster.MetaAsync(Bad, key);

        Assert.Equal("good", (await TimedAsync($"{damage}: R=Quorum read", () => store.GetAsync(key, ReadOptions.Quorum).AsTask()))?.Name);
        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(() => TimedAsync($"{damage}: R=All read", () => store.GetAsync(key, ReadOptions.All).AsTask()));
        Assert.Equal(NodeOutcomeKind.Failed, error.Outcomes[Bad].Kind);
        Assert.IsType(expected, error.Outcomes[Bad].Error);
        Assert.Equal(cluster[Bad].EndPoint, ((NodeDataException)error.Outcomes[Bad].Error!).Node);
        Assert.Equal(2, error.Acknowledged);
        Assert.Contains(expected == typeof(KeyTypeMismatchException) ? "type_mismatch" : "corrupt_meta", metrics.ErrorKinds(cluster[Bad].EndPoint));

        // Reads never write over it (it is not merely stale).
        Assert.Equal(damagedMeta, await cluster.MetaAsync(Bad, key));

        // The next write: the value script checks the version, kind and name fields only. A meta whose other fields
        // are corrupt (or whose version is missing) is rewritten whole by a newer write: the documented repair.
        // A bad version, kind or name is another writer's key or garbage, and is refused.
        var write = await Record.ExceptionAsync(() => TimedAsync($"{damage}: W=All write", () => store.SetAsync(key, new Profile { Id = 1, Name = "next" }, WriteOptions.All).AsTask()));
        if (nextWriteRewritesIt)
        {
            Assert.Null(write);
            Assert.Equal("next", (await store.GetAsync(key, ReadOptions.All))?.Name);
        }
        else
        {
            var refused = Assert.IsType<QuorumNotReachedException>(write);
            Assert.IsType(expected, refused.Outcomes[Bad].Error);
            Assert.Equal(NodeOutcomeKind.Failed, refused.Outcomes[Bad].Kind);
            Assert.True(refused.IsIndeterminate);
            Assert.Equal(damagedMeta, await cluster.MetaAsync(Bad, key));
            Assert.Equal("next", (await store.GetAsync(key, ReadOptions.Quorum))?.Name);
        }
    }

    [Theory]
    [InlineData("profile:line\r\nbreak")]
    [InlineData("profile:\"double\" 'single' `back`")]
    [InlineData("profile:{tag}:braces")]
    [InlineData("profile:open{brace")]
    [InlineData("profile:nul\0ctl\u0001\u001b\u007fbyte\u00ff")]
    [InlineData("profile:é 🚀 \t tab")]
    [InlineData("*")]
    public async Task Key_with_awkward_characters_round_trips_under_its_exact_name_with_meta_in_its_slot(string key)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        var value = new Profile { Id = 7, Name = key };

        var written = await TimedAsync("awkward key: W=All set", () => store.SetAsync(key, value, WriteOptions.All).AsTask());

        var dataKey = Encoding.UTF8.GetBytes(key);
        var metaKey = Encoding.UTF8.GetBytes(RedisCluster.MetaKeyOf(key));
        Assert.Equal(HashSlot.Of(dataKey), HashSlot.Of(metaKey));
        for (var node = 0; node < 3; node++)
        {
            Assert.True(await cluster[node].Db.KeyExistsAsync(dataKey), $"node {node} holds the data key byte for byte");
            Assert.Equal(written.Version.ToString(), (string?)await cluster[node].Db.HashGetAsync(metaKey, "v"));
        }

        Assert.Equal(value, await store.GetAsync(key, ReadOptions.All));
        await store.DeleteAsync(key, WriteOptions.All);
        Assert.Null(await store.GetAsync(key, ReadOptions.All));
        Assert.False(await cluster[0].Db.KeyExistsAsync(dataKey));
    }

    // Code units, not strings: xunit serializes theory strings, and that turns a lone surrogate into U+FFFD.
    [Theory]
    [InlineData(0xD800, 0)]
    [InlineData(0xDC00, 0)]
    [InlineData(0xDC00, 0xD800)] // a low surrogate before a high one is no pair
    public async Task Key_that_is_not_valid_utf16_is_rejected_because_it_would_share_its_redis_name_with_other_keys(int first, int second)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);
        var key = "profile:lone-" + (char)first + (second == 0 ? string.Empty : (char)second);

        // Redis keys are bytes: a lone surrogate is sent as U+FFFD, so "\uD800" and "\uDC00" would be one key.
        var error = await Assert.ThrowsAsync<InvalidKeyException>(() => TimedAsync("lone surrogate: set", () => store.SetAsync(key, new Profile(), WriteOptions.All).AsTask()));
        await Assert.ThrowsAsync<InvalidKeyException>(async () => await store.GetAsync(key));
        await Assert.ThrowsAsync<InvalidKeyException>(async () => await store.DeleteAsync(key));

        Assert.Equal(key, error.Key);
        Assert.Contains("UTF-16", error.Reason, StringComparison.Ordinal);
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(0, await RedisCluster.KeyCountAsync(node));
        }
    }

    [Fact]
    public async Task Key_of_64_KiB_is_rejected_with_the_default_limit_and_accepted_when_the_limit_allows_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var key = "profile:" + new string('k', (64 * 1024) - 8);
        var store = (await cluster.CreateClientAsync()).GetValueStore(Profile.Descriptor);

        var error = await Assert.ThrowsAsync<InvalidKeyException>(() => TimedAsync("64 KiB key: set", () => store.SetAsync(key, new Profile { Id = 1 }, WriteOptions.All).AsTask()));
        Assert.Contains("MaxKeyBytes", error.Reason, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 1000, "the message shortens the key");
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(0, await RedisCluster.KeyCountAsync(node));
        }

        var large = (await cluster.CreateClientAsync(o => o.MaxKeyBytes = 64 * 1024)).GetValueStore(Profile.Descriptor);
        await TimedAsync("64 KiB key, limit raised: set", () => large.SetAsync(key, new Profile { Id = 64 }, WriteOptions.All).AsTask());
        Assert.Equal(64, (await large.GetAsync(key, ReadOptions.All))?.Id);
    }

    [Fact]
    public async Task Node_restarted_empty_answers_NOSCRIPT_and_the_first_write_after_it_reconnects_reloads_the_script_transparently()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        await store.SetAsync("profile:warm", new Profile { Id = 1 }, WriteOptions.All);

        await cluster[Bad].RestartAsync(RestartMode.LoseData);
        Assert.False(await cluster[Bad].Server.ScriptExistsAsync(LuaScript.ValueWrite.Sha1));

        // While the client reconnects, quorum writes go on without the restarted node.
        var during = await TimedAsync("restart: W=Quorum set before the client reconnected", () => store.SetAsync("profile:during-restart", new Profile { Id = 2 }, WriteOptions.Quorum).AsTask());
        Assert.True(during.Acknowledged >= 2);
        var reconnect = Stopwatch.StartNew();
        await WaitUntilConnectedAsync(client, Bad);
        _output.WriteLine($"restart: client reconnected to the restarted node after {reconnect.Elapsed.TotalMilliseconds:0} ms");

        // The first EVALSHA there answers NOSCRIPT; SCRIPT LOAD and the retry are invisible to the caller.
        var written = await TimedAsync("restart: first W=All set after reconnecting (NOSCRIPT, reload, retry)", () => store.SetAsync("profile:after-restart", new Profile { Id = 3 }, WriteOptions.All).AsTask());

        Assert.Equal(3, written.Acknowledged);
        Assert.True(await cluster[Bad].Server.ScriptExistsAsync(LuaScript.ValueWrite.Sha1));
        Assert.Equal(written.Version.ToString(), await cluster.VersionAsync(Bad, "profile:after-restart"));
    }

    [Fact]
    public async Task Version_a_day_ahead_of_the_clock_wins_is_counted_and_never_adopted_and_a_write_it_beats_is_not_acknowledged()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var metrics = new NodeErrorRecorder(scope: meters);
        const string key = "profile:from-the-future";
        var future = (await cluster.CreateClientAsync(time: new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1)))).GetValueStore(Profile.Descriptor);
        var ahead = await future.SetAsync(key, new Profile { Id = 1, Name = "future" }, WriteOptions.All);

        // Skew events carry no node tag, and other tests' clients skew too: this client gets meters of its own.
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(), meterFactory: meters);
        var store = client.GetValueStore(Profile.Descriptor);
        Assert.Equal(0, metrics.Count(NodeErrorRecorder.ClockSkew));

        // Last writer wins by version: the future version is the newest, and seeing it is logged and counted.
        var read = await TimedAsync("future version: R=Quorum read", () => store.GetVersionedAsync(key, ReadOptions.Quorum).AsTask());
        Assert.Equal(ahead.Version, read?.Version);
        Assert.True(metrics.Count(NodeErrorRecorder.ClockSkew) >= 1, "the skew is counted");

        // The reader's clock does not jump a day (every key it writes would then beat other clients' writes for a day).
        // Its write to this key cannot win anywhere: it fails, definitely not applied, each node naming the version.
        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync(key, new Profile { Id = 1, Name = "present" }, WriteOptions.Quorum));
        Assert.False(refused.IsIndeterminate);
        Assert.All(refused.Outcomes, o => Assert.Equal(ahead.Version, Assert.IsType<VersionAheadException>(o.Error).Stored));
        Assert.Equal("future", (await future.GetAsync(key, ReadOptions.All))?.Name);
        var elsewhere = await store.SetAsync("profile:present", new Profile { Id = 2 }, WriteOptions.All);
        Assert.InRange(elsewhere.Version.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    private static async Task WaitUntilConnectedAsync(AnarchoRedisClient client, int node)
    {
        var watch = Stopwatch.StartNew();
        // Connected, answering, and its circuit closed again (the prober verified its epoch): writes are sent to it.
        while (!client.ReplicaNodes[node].IsConnected || !await PingsAsync(client, node) || client.Health[node].State == NodeHealthState.Open)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the client never reconnected");
            await Task.Delay(20);
        }
    }

    private static async Task<bool> PingsAsync(AnarchoRedisClient client, int node)
    {
        try
        {
            await client.ReplicaNodes[node].Database.PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private static byte[] Damaged(byte[] good, PayloadDamage damage) => damage switch
    {
        PayloadDamage.Truncated => good[..(good.Length / 2)],
        PayloadDamage.RandomBytes => RandomBytes(),
        PayloadDamage.NestedTooDeep => Field("Body", [.. Enumerable.Repeat((byte)0x91, 10_000), 0xC0]),
        PayloadDamage.HugeLengthHeader => Field("Body", 0xDD, 0x80, 0x00, 0x00, 0x00, 0xC0),
        _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
    };

    private static byte[] RandomBytes()
    {
        var bytes = new byte[64];
        new Random(20261127).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A one-entry MessagePack map <c>{name: value}</c>.</summary>
    private static byte[] Field(string name, params byte[] value)
    {
        var key = Encoding.UTF8.GetBytes(name);
        return [0x81, (byte)(0xA0 | key.Length), .. key, .. value];
    }

    private Task<T> TimedAsync<T>(string what, Func<Task<T>> operation) => Timed.RunAsync(_output, what, operation);

    /// <summary>A model with an untyped member, so depth and length limits apply to what a node sends.</summary>
    public sealed record Note
    {
        public static ReplicatedValueDescriptor<Note> Descriptor { get; } = new("tests.note", "note:{Id}");

        public int Id { get; set; }

        public string Title { get; set; } = string.Empty;

        public object? Body { get; set; }
    }
}
