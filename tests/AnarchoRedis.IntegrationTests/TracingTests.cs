using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Alone: the library's <see cref="ActivitySource"/> is process-wide, so while these tests listen they would also record
/// other tests' operations, and the test without a listener needs nobody else listening.
/// </summary>
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>
/// The spans a user sees through OpenTelemetry (<c>AddSource("AnarchoRedis")</c>, the in-memory exporter), from real
/// operations on three redis-server nodes. Each test runs under a root span of its own and reads only the spans of that
/// trace.
/// </summary>
[Collection(nameof(TracingTests))]
public sealed class TracingTests
{
    private const string TestSourceName = "AnarchoRedis.IntegrationTests.Tracing";
    private static readonly ActivitySource TestSource = new(TestSourceName);
    private static readonly ReplicatedValueDescriptor<Profile> Traced = new("tests.traced", "traced:{Id}");
    private static readonly ReplicatedTypeRegistry Registry = new(Traced);

    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    /// <summary>Listens to the library and the test's root spans; <see cref="Spans"/> gives the spans of one trace, once ended.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly List<Activity> _exported = [];
        private readonly TracerProvider _provider;

        public Recorder(string source = AnarchoRedisTracing.SourceName)
        {
            _provider = Sdk.CreateTracerProviderBuilder().AddSource(source, TestSourceName).AddInMemoryExporter(_exported).Build()!;
        }

        public Activity[] Spans(Activity root)
        {
            _provider.ForceFlush();
            lock (_exported)
            {
                return _exported.Where(a => a.TraceId == root.TraceId && a.Source.Name == AnarchoRedisTracing.SourceName).ToArray();
            }
        }

        public void Dispose() => _provider.Dispose();
    }

    private static ActivityEvent[] NodeReplies(Activity span) => span.Events.Where(e => e.Name == "anarchoredis.node.reply").ToArray();

    private static object? Tag(ActivityEvent e, string name) => e.Tags.FirstOrDefault(t => t.Key == name).Value;

    /// <summary>No tag of the span or its events holds the key: keys are unbounded and may be personal data.</summary>
    private static void AssertNoKey(Activity span, string key)
    {
        Assert.DoesNotContain(span.TagObjects, t => t.Value?.ToString()?.Contains(key, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(span.Events.SelectMany(e => e.Tags), t => t.Value?.ToString()?.Contains(key, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(key, span.DisplayName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_is_one_client_span_with_database_tags_and_an_event_for_each_of_the_three_nodes()
    {
        using var recorder = new Recorder();
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Traced);

        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            await store.SetAsync("traced:1", new Profile { Id = 1, Name = "Ada" });
            Assert.Same(root, Activity.Current); // the operation's span does not leak into the caller
        }

        var span = Assert.Single(recorder.Spans(root));
        Assert.Equal("set tests.traced", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(root.SpanId, span.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal("redis", span.GetTagItem("db.system.name"));
        Assert.Equal("set", span.GetTagItem("db.operation.name"));
        Assert.Equal("tests.traced", span.GetTagItem("db.collection.name"));
        Assert.Equal("value", span.GetTagItem("anarchoredis.key.kind"));
        Assert.Equal("quorum", span.GetTagItem("anarchoredis.consistency"));
        Assert.Equal(2, span.GetTagItem("anarchoredis.quorum.required"));
        Assert.Equal(3, span.GetTagItem("anarchoredis.replicas"));
        Assert.Equal("ok", span.GetTagItem("anarchoredis.outcome"));
        Assert.True((int)span.GetTagItem("anarchoredis.quorum.counted")! >= 2);
        AssertNoKey(span, "traced:1");

        // One event per node: the nodes that answered before the write returned (at least W = 2) as applied, with their
        // latency; a node still on its way as pending.
        var replies = NodeReplies(span);
        Assert.Equal(client.Nodes.Order(), replies.Select(e => (string)Tag(e, "anarchoredis.node")!).Order());
        Assert.All(replies, e => Assert.Contains(Tag(e, "anarchoredis.node.outcome"), new object[] { "applied", "pending" }));
        var applied = replies.Where(e => (string?)Tag(e, "anarchoredis.node.outcome") == "applied").ToArray();
        Assert.True(applied.Length >= 2);
        Assert.All(applied, e => Assert.True((bool)Tag(e, "anarchoredis.node.counted")! && (double)Tag(e, "anarchoredis.node.latency")! > 0));
    }

    [Fact]
    public async Task A_read_that_repairs_a_stale_node_records_the_repair_on_its_span()
    {
        using var recorder = new Recorder();
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Traced);
        const string key = "traced:2";
        await store.SetAsync(key, new Profile { Id = 2, Name = "v1" }, WriteOptions.All);

        // v2 reaches nodes 0 and 1 only: node 2 is stale.
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetValueStore(Traced);
        await partial.SetAsync(key, new Profile { Id = 2, Name = "v2" }, WriteOptions.All);

        Activity root;
        Profile? read;
        using (root = TestSource.StartActivity("test")!)
        {
            // R = All: every answer is in before the read returns, so node 2's blocking repair is part of the read.
            read = await store.GetAsync(key, ReadOptions.All);
        }

        Assert.Equal("v2", read?.Name);
        var span = Assert.Single(recorder.Spans(root));
        Assert.Equal("get tests.traced", span.DisplayName);
        Assert.Equal("all", span.GetTagItem("anarchoredis.consistency"));
        Assert.Equal("ok", span.GetTagItem("anarchoredis.outcome"));
        Assert.All(NodeReplies(span), e => Assert.Equal("answered", Tag(e, "anarchoredis.node.outcome")));
        var repair = Assert.Single(span.Events, e => e.Name == "anarchoredis.repair");
        Assert.Equal(client.Nodes[2], Tag(repair, "anarchoredis.node"));
        Assert.Equal("applied", Tag(repair, "anarchoredis.repair.result"));
        Assert.Equal("blocking", Tag(repair, "anarchoredis.repair.mode"));
        Assert.Equal("value", Tag(repair, "anarchoredis.key.kind"));
        AssertNoKey(span, key);
    }

    [Fact]
    public async Task A_write_that_misses_its_quorum_is_an_error_span_with_the_exception_type_and_each_node_outcome()
    {
        using var recorder = new Recorder();
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Traced);
        await store.SetAsync("traced:warm", new Profile { Id = 0 });
        cluster[1].Kill();
        cluster[2].Kill();

        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.SetAsync("traced:3", new Profile { Id = 3 }));
            Assert.True(error.IsIndeterminate);
        }

        var span = Assert.Single(recorder.Spans(root));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(QuorumNotReachedException).FullName, span.GetTagItem("error.type"));
        Assert.Equal("quorum_failed", span.GetTagItem("anarchoredis.outcome"));
        Assert.Equal(true, span.GetTagItem("anarchoredis.indeterminate"));
        Assert.Equal(1, span.GetTagItem("anarchoredis.quorum.counted"));
        var replies = NodeReplies(span).ToDictionary(e => (string)Tag(e, "anarchoredis.node")!);
        Assert.Equal("applied", Tag(replies[client.Nodes[0]], "anarchoredis.node.outcome"));
        foreach (var dead in new[] { client.Nodes[1], client.Nodes[2] })
        {
            Assert.Contains(Tag(replies[dead], "anarchoredis.node.outcome"), new object[] { "failed", "timed_out", "skipped" });
            Assert.Equal(false, Tag(replies[dead], "anarchoredis.node.counted"));
            Assert.NotNull(Tag(replies[dead], "error.type"));
        }

        AssertNoKey(span, "traced:3");
    }

    [Fact]
    public async Task An_anti_entropy_pass_is_one_span_with_the_counts_of_its_report()
    {
        using var recorder = new Recorder();
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetValueStore(Traced);
        for (var i = 0; i < 5; i++)
        {
            await partial.SetAsync($"traced:ae{i}", new Profile { Id = i }, WriteOptions.All);
        }

        Activity root;
        AntiEntropyReport report;
        using (root = TestSource.StartActivity("test")!)
        {
            report = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        }

        Assert.Equal(5, report.ValuesRepaired);
        var span = Assert.Single(recorder.Spans(root), s => s.DisplayName == "anti_entropy digests");
        Assert.Equal("anti_entropy", span.GetTagItem("db.operation.name"));
        Assert.Equal("repaired", span.GetTagItem("anarchoredis.outcome"));
        Assert.Equal(5L, span.GetTagItem("anarchoredis.antientropy.values_repaired"));
        Assert.Equal(report.KeysCompared, span.GetTagItem("anarchoredis.antientropy.keys_compared"));
        Assert.Equal(report.SlotsDiffering, span.GetTagItem("anarchoredis.antientropy.slots_differing"));
        Assert.Equal(0L, span.GetTagItem("anarchoredis.antientropy.problem_count"));
        Assert.Equal(0, span.GetTagItem("anarchoredis.antientropy.unreachable_nodes"));
    }

    [Fact]
    public async Task A_batch_is_one_internal_span_over_a_client_span_per_item_and_a_pop_is_one_over_its_read_and_its_removal()
    {
        using var recorder = new Recorder();
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Traced);
        var chats = client.GetListStore(ChatMessage.Descriptor);
        await chats.PushRightAsync("chat:traced", ChatMessage.Of("hello"));

        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            var results = await store.SetManyAsync([KeyValuePair.Create("traced:b1", new Profile { Id = 1 }), KeyValuePair.Create("traced:b2", new Profile { Id = 2 }), KeyValuePair.Create("traced:b3", new Profile { Id = 3 })]);
            Assert.All(results, r => Assert.True(r.IsSuccess));
            Assert.Equal("hello", (await chats.PopLeftAsync("chat:traced"))?.Text);
        }

        var spans = recorder.Spans(root);
        var batch = Assert.Single(spans, s => s.DisplayName == "BATCH set tests.traced");
        Assert.Equal(ActivityKind.Internal, batch.Kind);
        Assert.Equal(3, batch.GetTagItem("db.operation.batch.size"));
        Assert.Equal(0, batch.GetTagItem("anarchoredis.batch.failed"));
        var items = spans.Where(s => s.ParentSpanId == batch.SpanId).ToArray();
        Assert.Equal(3, items.Length);
        Assert.All(items, s => Assert.Equal("set tests.traced", s.DisplayName));

        var pop = Assert.Single(spans, s => s.DisplayName == "lpop tests.chat" && s.Kind == ActivityKind.Internal);
        Assert.Equal(1, pop.GetTagItem("anarchoredis.list.removed"));
        var steps = spans.Where(s => s.ParentSpanId == pop.SpanId).OrderBy(s => s.StartTimeUtc).ToArray();
        Assert.Equal(new[] { "lrange tests.chat", "lpop tests.chat" }, steps.Select(s => s.DisplayName));
        Assert.All(steps, s => Assert.Equal(ActivityKind.Client, s.Kind));
        Assert.All(steps, s => Assert.Equal("list", s.GetTagItem("anarchoredis.key.kind")));
    }

    [Fact]
    public async Task Without_a_listener_operations_work_and_nothing_is_recorded_not_even_on_the_callers_own_span()
    {
        // OpenTelemetry listens here, but only to another source: the library's has no listener.
        using var recorder = new Recorder(source: "SomeOtherLibrary");
        Assert.False(AnarchoRedisTracing.Source.HasListeners());
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Traced);
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetValueStore(Traced);

        Activity root;
        using (root = TestSource.StartActivity("test")!)
        {
            await store.SetAsync("traced:4", new Profile { Id = 4, Name = "v1" }, WriteOptions.All);
            await partial.SetAsync("traced:4", new Profile { Id = 4, Name = "v2" }, WriteOptions.All);
            Assert.Equal("v2", (await store.GetAsync("traced:4", ReadOptions.All))?.Name); // repairs node 2
            Assert.Same(root, Activity.Current);
        }

        Assert.Empty(recorder.Spans(root));
        Assert.Empty(root.Events); // the read repair's event did not land on the caller's span
        var nodeTwo = (await cluster.CreateClientAsync(NoHints, nodes: [2])).GetValueStore(Traced);
        Assert.Equal("v2", (await nodeTwo.GetAsync("traced:4", ReadOptions.One))?.Name);
    }
}
