using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Hints;

/// <summary>
/// Hints: a node that missed writes gets the newest state of every missed key when it answers again, by the hint
/// replayer alone (no read, no anti-entropy pass). Every test owns its cluster.
/// </summary>
public sealed class HintReplayTests
{
    /// <summary>Generous: the replayer backs off a node that stayed down (up to 16 intervals of 1 s).</summary>
    private static readonly TimeSpan ReplayDeadline = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_node_back_from_a_snapshot_gets_the_newest_values_and_lists_from_the_hint_replayer_alone()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chat = client.GetListStore(ChatMessage.Descriptor);
        await profiles.SetAsync("profile:h1", new Profile { Id = 1, Name = "before" }, WriteOptions.All);
        await chat.PushRightAsync("chat:{h}", ChatMessage.Of("before"), WriteOptions.All);

        // Node 2 keeps what it had before the writes (a snapshot) and misses all of them.
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        await profiles.SetAsync("profile:h1", new Profile { Id = 1, Name = "second" }, WriteOptions.Quorum);
        var newest = await profiles.SetAsync("profile:h1", new Profile { Id = 1, Name = "third" }, WriteOptions.Quorum);
        var created = await profiles.SetAsync("profile:h2", new Profile { Id = 2, Name = "new" }, WriteOptions.Quorum);
        await chat.PushRightAsync("chat:{h}", [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.Quorum);
        await chat.PushLeftAsync("chat:{h}", ChatMessage.Of("first"), WriteOptions.Quorum);
        await profiles.DeleteAsync("profile:h1-deleted", WriteOptions.Quorum);

        // One hint per key, however often the key was written: profile:h1 twice is one hint.
        var node2 = cluster[2].EndPoint;
        await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 4), "node 2 has one hint per missed key");

        await cluster[2].RestartAsync(RestartMode.KeepData);
        Assert.Equal("before", Decode(await cluster.DataAsync(2, "profile:h1")));

        await Eventually.HoldsAsync(
            async () => client.PendingHints[node2] == 0 && await cluster.VersionAsync(2, "profile:h1") == newest.Version.ToString(),
            "the replayer brought node 2 the newest profile:h1",
            ReplayDeadline);

        foreach (var key in new[] { "profile:h1", "profile:h2", "profile:h1-deleted" })
        {
            Assert.Equal(await cluster.DataAsync(0, key), await cluster.DataAsync(2, key));
            Assert.Equal(await cluster.MetaAsync(0, key), await cluster.MetaAsync(2, key));
        }

        Assert.Equal(created.Version.ToString(), await cluster.VersionAsync(2, "profile:h2"));
        Assert.Equal("1", (await cluster.MetaAsync(2, "profile:h1-deleted"))["t"]);
        Assert.True(await cluster.ConvergedAsync("chat:{h}", 4), "node 2 holds the list byte for byte as the others");
        Assert.Equal(["first", "before", "a", "b"], (await cluster[2].Db.ListRangeAsync("chat:{h}")).Select(v => ListEnvelope.TryDecode((byte[])v!, out var e) ? MessagePack.MessagePackSerializer.Deserialize<ChatMessage>(e.Payload, client.SerializerOptions).Text : "?"));
    }

    [Fact]
    public async Task A_replay_onto_a_node_still_down_keeps_its_hints_and_a_later_one_replays_each_key_once_with_its_newest_value()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // No schedule in the way: every replay here is asked for.
        var client = await cluster.CreateClientAsync(o => o.Hints.ReplayInterval = TimeSpan.FromHours(1));
        using var counted = new NodeCounter("anarchoredis.hint.replayed", cluster[2].EndPoint);
        var profiles = client.GetValueStore(Profile.Descriptor);
        await profiles.SetAsync("profile:d1", new Profile { Id = 1, Name = "v1" }, WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        for (var i = 2; i <= 5; i++)
        {
            await profiles.SetAsync("profile:d1", new Profile { Id = 1, Name = "v" + i }, WriteOptions.Quorum);
        }

        var last = await profiles.SetAsync("profile:d2", new Profile { Id = 2, Name = "only" }, WriteOptions.Quorum);
        var node2 = cluster[2].EndPoint;
        await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 2), "two keys missed");

        var whileDown = await client.ReplayHintsAsync();

        Assert.Equal(0, whileDown.Replayed);
        Assert.Equal(2, whileDown.Failed);
        Assert.Equal(2, whileDown.Remaining);
        Assert.Equal([node2], whileDown.UnreachableNodes);
        Assert.Equal(2, client.PendingHints[node2]);

        await cluster[2].RestartAsync(RestartMode.KeepData);
        // (Its circuit closing starts a replay by itself; the ones asked for here may find nothing left.)
        var replayed = await ReplayUntilDoneAsync(client, counted, "a replay reaches node 2 once it is back (its connection reconnects in the background)");

        // Once per key: profile:d1, written four times while node 2 was down, is one replay.
        Assert.Equal(2, replayed);
        Assert.Equal("v5", Decode(await cluster.DataAsync(2, "profile:d1")));
        Assert.Equal(await cluster.MetaAsync(0, "profile:d1"), await cluster.MetaAsync(2, "profile:d1"));
        Assert.Equal(last.Version.ToString(), await cluster.VersionAsync(2, "profile:d2"));
        Assert.Equal(0, (await client.ReplayHintsAsync()).Replayed);
    }

    [Fact]
    public async Task A_node_whose_circuit_closes_gets_its_hints_at_once_without_waiting_for_the_schedule()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // The schedule would not replay within the test: only the circuit closing can.
        var client = await cluster.CreateClientAsync(o => o.Hints.ReplayInterval = TimeSpan.FromHours(1));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var node2 = cluster[2].EndPoint;
        await profiles.SetAsync("profile:c-before", new Profile { Id = 99 }, WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        var written = new List<WriteResult>();
        for (var i = 0; i < 20; i++)
        {
            written.Add(await profiles.SetAsync($"profile:c{i}", new Profile { Id = i }, WriteOptions.Quorum));
        }

        await Eventually.HoldsAsync(() => Task.FromResult(client.Health[2].State == NodeHealthState.Open), "node 2's circuit is open");
        Assert.Equal(20, client.PendingHints[node2]);

        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 0), "the hints are replayed once node 2's circuit closes", TimeSpan.FromSeconds(20));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(written[i].Version.ToString(), await cluster.VersionAsync(2, $"profile:c{i}"));
        }
    }

    [Fact]
    public async Task A_node_still_pending_when_the_write_returned_gets_a_hint_when_it_times_out()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.NodeTimeout = TimeSpan.FromSeconds(1);
            o.Hints.ReplayInterval = TimeSpan.FromHours(1);
        });
        using var counted = new NodeCounter("anarchoredis.hint.replayed", cluster[2].EndPoint);
        var profiles = client.GetValueStore(Profile.Descriptor);
        var node2 = cluster[2].EndPoint;

        cluster[2].Pause();
        try
        {
            var written = await profiles.SetAsync("profile:late", new Profile { Id = 1, Name = "late" }, WriteOptions.Quorum);
            Assert.Equal(2, written.Acknowledged);

            // Node 2 had not answered when the write returned; its timeout comes later, and leaves the hint.
            await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 1), "node 2 has a hint once its reply timed out", TimeSpan.FromSeconds(20));
        }
        finally
        {
            cluster[2].Resume();
        }

        var replayed = await ReplayUntilDoneAsync(client, counted, "the hint is replayed once node 2 answers");
        Assert.Equal(1, replayed);
        Assert.Equal(await cluster.MetaAsync(0, "profile:late"), await cluster.MetaAsync(2, "profile:late"));
    }

    [Fact]
    public async Task Hints_beyond_the_bound_are_dropped_and_counted()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.Hints.MaxPerNode = 5;
            o.Hints.ReplayInterval = TimeSpan.FromHours(1);
        });
        using var counted = new NodeCounter("anarchoredis.hint.replayed", cluster[2].EndPoint);
        using var dropped = new NodeCounter("anarchoredis.hint.dropped", cluster[2].EndPoint);
        var node2 = cluster[2].EndPoint;

        var profiles = client.GetValueStore(Profile.Descriptor);
        cluster[2].Kill();
        for (var i = 0; i < 8; i++)
        {
            await profiles.SetAsync($"profile:o{i}", new Profile { Id = i }, WriteOptions.Quorum);
        }

        await Eventually.HoldsAsync(() => Task.FromResult(dropped.Count == 3), "three hints dropped");
        Assert.Equal(5, client.PendingHints[node2]);

        // The kept ones still replay; the dropped keys are anti-entropy's (the node still lacks them).
        await cluster[2].RestartAsync(RestartMode.LoseData);
        var replayed = await ReplayUntilDoneAsync(client, counted, "node 2 is replayed to");
        Assert.Equal(5, replayed);
        var held = 0;
        for (var i = 0; i < 8; i++)
        {
            held += await cluster.VersionAsync(2, $"profile:o{i}") is null ? 0 : 1;
        }

        Assert.Equal(5, held);
    }

    [Fact]
    public async Task Durable_hints_written_by_one_client_are_replayed_by_another_started_later()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var writer = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o => o.Hints.Durable = true));
        var profiles = writer.GetValueStore(Profile.Descriptor);
        var chat = writer.GetListStore(ChatMessage.Descriptor);
        await profiles.SetAsync("profile:dur", new Profile { Id = 7, Name = "old" }, WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        var newest = await profiles.SetAsync("profile:dur", new Profile { Id = 7, Name = "new" }, WriteOptions.Quorum);
        await chat.PushRightAsync("chat:{dur}", [ChatMessage.Of("x"), ChatMessage.Of("y")], WriteOptions.Quorum);
        await writer.DisposeAsync();

        // The hints are on the surviving nodes, in node 2's stream.
        var stream = HintOptions.DefaultStreamPrefix + cluster[2].EndPoint;
        Assert.Equal(2, await cluster[0].Db.StreamLengthAsync(stream));
        Assert.Equal(2, await cluster[1].Db.StreamLengthAsync(stream));
        var entry = (await cluster[0].Db.StreamRangeAsync(stream))[0];
        Assert.Equal("profile:dur", (string?)entry["k"]);
        Assert.Equal("tests.profile", (string?)entry["t"]);

        await cluster[2].RestartAsync(RestartMode.KeepData);
        var replayer = await cluster.CreateClientAsync(o => o.Hints.Durable = true);

        // The types it can repair are those it knows: these stores' (or a DI registry's). Nothing is read.
        replayer.GetValueStore(Profile.Descriptor);
        replayer.GetListStore(ChatMessage.Descriptor);

        await Eventually.HoldsAsync(
            async () => await cluster.VersionAsync(2, "profile:dur") == newest.Version.ToString() && await cluster.ConvergedAsync("chat:{dur}", 2),
            "the second client replayed the first one's durable hints to node 2",
            ReplayDeadline);
        Assert.Equal(await cluster.DataAsync(0, "profile:dur"), await cluster.DataAsync(2, "profile:dur"));
        await Eventually.HoldsAsync(
            async () => !await cluster[0].Db.KeyExistsAsync(stream) && !await cluster[1].Db.KeyExistsAsync(stream),
            "replayed entries are deleted, and the emptied streams with them");
    }

    [Fact]
    public async Task A_durable_hint_of_a_type_the_client_does_not_know_stays_for_one_that_does()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var stream = HintOptions.DefaultStreamPrefix + cluster[2].EndPoint;
        await cluster[0].Db.StreamAddAsync(stream, [new NameValueEntry("k", "profile:unknown"), new NameValueEntry("t", "tests.not-registered")]);
        var client = await cluster.CreateClientAsync(o =>
        {
            o.Hints.Durable = true;
            o.Hints.ReplayInterval = TimeSpan.FromHours(1);
        });
        client.GetValueStore(Profile.Descriptor);

        var report = await client.ReplayHintsAsync();

        Assert.Equal(0, report.Replayed);
        Assert.Equal(1, await cluster[0].Db.StreamLengthAsync(stream));
    }

    [Fact]
    public async Task A_client_from_dependency_injection_replays_durable_hints_of_every_registered_type()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // A write that reached nodes 0 and 1 only, and its hint for node 2 as a writer with durable hints leaves it.
        var partitioned = await cluster.CreateClientAsync(nodes: [0, 1]);
        var written = await partitioned.GetValueStore(Profile.Descriptor).SetAsync("profile:di", new Profile { Id = 3, Name = "via DI" }, WriteOptions.All);
        var stream = HintOptions.DefaultStreamPrefix + cluster[2].EndPoint;
        foreach (var holder in new[] { 0, 1 })
        {
            await cluster[holder].Db.StreamAddAsync(stream, [new NameValueEntry("k", "profile:di"), new NameValueEntry("t", Profile.Descriptor.Name)]);
        }

        var services = new ServiceCollection();
        services.AddAnarchoRedis(o =>
        {
            foreach (var node in cluster.Nodes)
            {
                o.Nodes.Add(node.EndPoint);
            }

            o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
            o.Hints.Durable = true;
        });
        services.AddReplicatedTypeCatalog(new Catalog(Profile.Descriptor));
        await using var provider = services.BuildServiceProvider();

        // Resolving the client starts its replayer. No store is asked for: the type comes from the registry.
        _ = provider.GetRequiredService<AnarchoRedisClient>();
        await Eventually.HoldsAsync(
            async () => await cluster.VersionAsync(2, "profile:di") == written.Version.ToString(),
            "the DI client replayed the hint to node 2",
            ReplayDeadline);
        Assert.Equal(await cluster.DataAsync(0, "profile:di"), await cluster.DataAsync(2, "profile:di"));
    }

    [Fact]
    public async Task Hint_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AnarchoRedis:Nodes:0"] = "127.0.0.1:1",
            ["AnarchoRedis:Hints:Enabled"] = "false",
            ["AnarchoRedis:Hints:MaxPerNode"] = "42",
            ["AnarchoRedis:Hints:ReplayInterval"] = "00:00:05",
            ["AnarchoRedis:Hints:BatchSize"] = "7",
            ["AnarchoRedis:Hints:Durable"] = "true",
            ["AnarchoRedis:Hints:StreamPrefix"] = "my_hints:",
        }).Build();
        var services = new ServiceCollection().AddAnarchoRedis(configuration.GetSection("AnarchoRedis"));
        await using var provider = services.BuildServiceProvider();
        var hints = provider.GetRequiredService<IOptions<AnarchoRedisOptions>>().Value.Hints;

        Assert.False(hints.Enabled);
        Assert.Equal(42, hints.MaxPerNode);
        Assert.Equal(TimeSpan.FromSeconds(5), hints.ReplayInterval);
        Assert.Equal(7, hints.BatchSize);
        Assert.True(hints.Durable);
        Assert.Equal("my_hints:", hints.StreamPrefix);
    }

    private sealed class Catalog(params ReplicatedTypeDescriptor[] types) : IReplicatedTypeCatalog
    {
        public IReadOnlyList<ReplicatedTypeDescriptor> Types { get; } = types;
    }

    private static string? Decode(byte[]? data) =>
        data is null ? null : MessagePack.MessagePackSerializer.Deserialize<Profile>(data, ValueCodec<object>.DefaultOptions).Name;

    /// <summary>Replays hints until none remain (the node's connection comes back in the background); the keys replayed in all.</summary>
    /// <summary>
    /// Asks for replays until nothing is pending, and returns how many hints were replayed to the node in all: by these
    /// replays and by the ones its circuit closing started by itself.
    /// </summary>
    private static async Task<long> ReplayUntilDoneAsync(AnarchoRedisClient client, NodeCounter counted, string because)
    {
        await Eventually.HoldsAsync(
            async () => (await client.ReplayHintsAsync()).Remaining == 0,
            because,
            TimeSpan.FromSeconds(20));
        return counted.Count;
    }

    /// <summary>Sums one of the client's counters (hints replayed, dropped …) over the measurements tagged with one node.</summary>
    private sealed class NodeCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public NodeCounter(string instrumentName, string node)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AnarchoRedisMetrics.MeterName && instrument.Name == instrumentName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "node" && (string?)tag.Value == node)
                    {
                        Interlocked.Add(ref _count, value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
