using System;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Repair;

/// <summary>
/// The value repair without a server: read repair and the key repair of passes and hint replays write the same winner,
/// the same way (<see cref="ValueRepair.RepairPlan"/>), and account for each node's outcome, over nodes that keep values
/// as value_write.lua does (<see cref="ScriptedValueNode"/>).
/// </summary>
public sealed class ValueRepairTests : IAsyncDisposable
{
    private const string TypeName = "tests.text";
    private const string Key = "text:1";

    private static readonly ReplicatedValueDescriptor<string> Descriptor = new(TypeName, "text:{Id}");

    private readonly ScriptedValueNode[] _nodes = [new(), new(), new()];
    private readonly HybridLogicalClock _clock = new(TimeProvider.System, writerId: 7);
    private readonly AnarchoRedisClient _client;

    public ValueRepairTests()
    {
        var options = new AnarchoRedisOptions { Nodes = ["n0:6379", "n1:6379", "n2:6379"] };
        options.Hints.Enabled = false;
        _client = AnarchoRedisClient.CreateOverChannels(options, _nodes);
    }

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task A_blocking_read_returns_the_newest_version_and_writes_it_to_the_stale_replica_only()
    {
        var (older, newer) = (_clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, newer, "new", TypeName);
        _nodes[1].Hold(Key, older, "old", TypeName);
        _nodes[2].Hold(Key, newer, "new", TypeName);

        var read = await _client.GetValueStore(Descriptor).GetAsync(Key, new ReadOptions { FanOut = ReadFanOut.All, ReadRepair = ReadRepairMode.Blocking, RequiredReplies = 3 });

        Assert.Equal("new", read);
        Assert.Equal(newer, _nodes[1].VersionOf(Key));
        Assert.Equal("new", _nodes[1].TextOf(Key));
        Assert.Empty(_nodes[0].Writes);
        Assert.Empty(_nodes[2].Writes);
    }

    [Fact]
    public async Task A_blocking_read_fails_when_its_repairs_leave_the_winner_on_fewer_than_a_quorum()
    {
        var (older, newer) = (_clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, newer, "new", TypeName);
        _nodes[1].Hold(Key, older, "old", TypeName);
        _nodes[2].Hold(Key, older, "old", TypeName);
        _nodes[1].FailWrites = Oom();
        _nodes[2].FailWrites = Oom();

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () =>
            await _client.GetValueStore(Descriptor).GetAsync(Key, new ReadOptions { FanOut = ReadFanOut.All, ReadRepair = ReadRepairMode.Blocking, RequiredReplies = 3 }));

        Assert.Equal("read_repair", error.Operation);
        Assert.False(error.IsIndeterminate);
        Assert.Equal([NodeOutcomeKind.Applied, NodeOutcomeKind.Failed, NodeOutcomeKind.Failed], error.Outcomes.Select(o => o.Kind));
    }

    [Fact]
    public async Task The_key_repair_copies_the_newest_state_to_every_node_that_holds_less_and_counts_one_repair()
    {
        var (older, newer) = (_clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, older, "old", TypeName);
        _nodes[1].Hold(Key, newer, "new", TypeName);
        var scope = Scope();

        await _client.ValueRepair.RepairAsync(Key, TypeName, Nodes(), Metas(), entries: null, complete: true, scope, default);

        Assert.All(_nodes, n => Assert.Equal((newer, "new"), (n.VersionOf(Key), n.TextOf(Key))));
        Assert.Equal(0, _nodes[0].Reads + _nodes[2].Reads);
        Assert.Equal(1, scope.ValuesRepaired);
        Assert.Equal(0, scope.ProblemCount);
        Assert.True(scope.AllTookPart);
    }

    [Fact]
    public async Task A_node_that_got_a_newer_write_meanwhile_keeps_it_and_is_no_failure()
    {
        var (older, newer, newest) = (_clock.Next(), _clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, older, "old", TypeName);
        _nodes[1].Hold(Key, newer, "new", TypeName);
        _nodes[2].Hold(Key, older, "old", TypeName);
        var metas = Metas();
        _nodes[2].Hold(Key, newest, "newest", TypeName);
        var scope = Scope();

        await _client.ValueRepair.RepairAsync(Key, TypeName, Nodes(), metas, entries: null, complete: true, scope, default);

        Assert.Equal((newest, "newest"), (_nodes[2].VersionOf(Key), _nodes[2].TextOf(Key)));
        Assert.Equal([(newer, false)], _nodes[2].Writes);
        Assert.Equal((newer, "new"), (_nodes[0].VersionOf(Key), _nodes[0].TextOf(Key)));
        Assert.False(scope.AnyFailed);
        Assert.True(scope.AllTookPart);
    }

    [Fact]
    public async Task A_node_whose_repair_write_fails_is_a_problem_and_has_not_taken_part()
    {
        var (older, newer) = (_clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, older, "old", TypeName);
        _nodes[1].Hold(Key, newer, "new", TypeName);
        _nodes[2].FailWrites = Oom();
        var scope = Scope();

        await _client.ValueRepair.RepairAsync(Key, TypeName, Nodes(), Metas(), entries: null, complete: true, scope, default);

        Assert.Equal(newer, _nodes[0].VersionOf(Key));
        Assert.Null(_nodes[2].VersionOf(Key));
        Assert.True(scope.AnyFailed);
        Assert.False(scope.AllTookPart);
        var problem = Assert.Single(scope.Problems);
        Assert.Equal((AntiEntropyProblemKind.Failed, "n2:6379"), (problem.Kind, problem.Node));
    }

    [Fact]
    public async Task A_node_that_times_out_is_unreachable_for_the_rest_of_the_scope()
    {
        var (older, newer) = (_clock.Next(), _clock.Next());
        _nodes[0].Hold(Key, older, "old", TypeName);
        _nodes[1].Hold(Key, newer, "new", TypeName);
        _nodes[0].FailWrites = new RedisTimeoutException(CommandFlags.None, "Timeout performing EVALSHA", CommandStatus.Sent);
        var scope = Scope();

        await _client.ValueRepair.RepairAsync(Key, TypeName, Nodes(), Metas(), entries: null, complete: true, scope, default);

        Assert.Equal(["n0:6379"], scope.UnreachableNodes);
        Assert.Equal(newer, _nodes[2].VersionOf(Key));
        Assert.Equal(AntiEntropyProblemKind.NodeUnreachable, Assert.Single(scope.Problems).Kind);
    }

    private static RedisServerException Oom() =>
        new(RedisErrorKind.UnknownError, CommandFlags.None, "OOM command not allowed when used memory > 'maxmemory'.");

    private ReplicaNode[] Nodes() => [.. _client.ReplicaNodes];

    private RedisValue[]?[] Metas() => _nodes.Select(n => (RedisValue[]?)n.Meta(Key)).ToArray();

    private RepairScope Scope() => new(_client.ReplicaNodes, 100, new AnarchoRedisMetrics(), NullLogger.Instance, TimeProvider.System);
}
