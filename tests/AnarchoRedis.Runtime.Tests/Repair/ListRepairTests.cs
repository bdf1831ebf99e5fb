using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Repair;

/// <summary>
/// The list repair without a server: read repair and the key repair of passes and hint replays write the same merge
/// the same way (<see cref="ListRepair.ReplacePlan"/>): removed elements stay removed, a node already holding the merge
/// is left alone, and a replace that finds the node changed is not counted as healed.
/// </summary>
public sealed class ListRepairTests : IAsyncDisposable
{
    private const string TypeName = "tests.lines";
    private const string Key = "lines:1";

    private static readonly ReplicatedListDescriptor<string> Descriptor = new(TypeName, "lines:{Id}");

    private readonly ScriptedListNode[] _nodes = [new(), new(), new()];
    private readonly HybridLogicalClock _clock = new(TimeProvider.System, writerId: 9);
    private readonly AnarchoRedisClient _client;
    private readonly ReplicatedVersion _a;
    private readonly ReplicatedVersion _b;
    private readonly ReplicatedVersion _c;
    private readonly ReplicatedVersion _removal;

    public ListRepairTests()
    {
        var options = new AnarchoRedisOptions { Nodes = ["n0:6379", "n1:6379", "n2:6379"] };
        options.Hints.Enabled = false;
        _client = AnarchoRedisClient.CreateOverChannels(options, _nodes);
        (_a, _b, _c, _removal) = (_clock.Next(), _clock.Next(), _clock.Next(), _clock.Next());

        // Node 0 missed c, node 1 missed the removal of b, node 2 saw everything.
        _nodes[0].Hold(Key, _b, [(_a, "a"), (_b, "b")]);
        _nodes[1].Hold(Key, _c, [(_a, "a"), (_b, "b"), (_c, "c")]);
        _nodes[2].Hold(Key, _removal, [(_a, "a"), (_c, "c")], [(_b, 1_000)]);
    }

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task The_key_repair_writes_the_merge_to_the_nodes_that_differ_and_never_brings_a_removed_element_back()
    {
        var scope = Scope();

        await _client.ListRepair.RepairAsync(Key, TypeName, [.. _client.ReplicaNodes], new StackExchange.Redis.RedisValue[]?[3], entries: null, complete: true, scope, default);

        Assert.All(_nodes, n => Assert.Equal(["a", "c"], n.Texts(Key)));
        Assert.All(_nodes, n => Assert.Equal([_b], n.Tombstones(Key)));
        Assert.All(_nodes, n => Assert.Equal(_removal, n.VersionOf(Key)));
        Assert.Equal([1, 1, 0], _nodes.Select(n => n.Replaced));
        Assert.Equal(1, scope.ListsRepaired);
        Assert.False(scope.AnyFailed);
    }

    [Fact]
    public async Task A_replace_that_finds_the_node_changed_since_it_was_read_merges_with_it_and_keeps_what_it_took()
    {
        _nodes[0].ChangedBeforeReplace = true;
        var scope = Scope();

        await _client.ListRepair.RepairAsync(Key, TypeName, [.. _client.ReplicaNodes], new StackExchange.Redis.RedisValue[]?[3], entries: null, complete: true, scope, default);

        // Node 0 took a push ("late") between the repair's read and its replace: it keeps it and gets the merge.
        Assert.Equal(["a", "c", "late"], _nodes[0].Texts(Key).Order());
        Assert.Equal(["a", "c"], _nodes[1].Texts(Key));
        Assert.False(scope.AnyFailed);
        Assert.Empty(scope.Problems);
    }

    [Fact]
    public async Task A_read_of_diverged_replicas_answers_the_merge_and_repairs_them_before_it_returns()
    {
        var lines = await _client.GetListStore(Descriptor).RangeAsync(Key, options: new ReadOptions { FanOut = ReadFanOut.All, ReadRepair = ReadRepairMode.Blocking, RequiredReplies = 3 });

        Assert.Equal(["a", "c"], lines);
        Assert.All(_nodes, n => Assert.Equal(["a", "c"], n.Texts(Key)));
        Assert.Equal([1, 1, 0], _nodes.Select(n => n.Replaced));
    }

    private RepairScope Scope() => new(_client.ReplicaNodes, 100, new AnarchoRedisMetrics(), NullLogger.Instance, TimeProvider.System);
}
