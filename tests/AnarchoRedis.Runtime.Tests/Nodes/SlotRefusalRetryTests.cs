using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Runtime.Tests.Repair;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Nodes;

/// <summary>
/// A node whose Redis Cluster shard refuses a script for its slot for the moment (TRYAGAIN while the slot migrates,
/// CLUSTERDOWN, a MOVED or ASK left to the client) is sent the script again a bounded number of times; when it still
/// refuses, its outcome is Failed with <see cref="NodeSlotUnavailableException"/>, and its circuit stays closed (it
/// answered). Over in-memory nodes (<see cref="ScriptedValueNode"/>) behind a channel that refuses the value writes.
/// </summary>
public sealed class SlotRefusalRetryTests : IAsyncDisposable
{
    private const string TypeName = "tests.text";
    private const string Key = "text:1";
    private const string TryAgain = "TRYAGAIN Multiple keys request during rehashing of slot";

    private static readonly ReplicatedValueDescriptor<string> Descriptor = new(TypeName, "text:{Id}");

    private readonly ScriptedValueNode[] _values = [new(), new(), new()];
    private readonly RefusingChannel[] _nodes;
    private readonly List<(string Node, string Reason)> _retries = [];
    private readonly MeterListener _listener = new();
    private AnarchoRedisClient? _client;

    public SlotRefusalRetryTests()
    {
        _nodes = _values.Select(v => new RefusingChannel(v)).ToArray();
    }

    private AnarchoRedisClient Client => _client ??= Connect(TimeSpan.FromSeconds(1));

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_write_refused_with_TRYAGAIN_twice_is_sent_again_and_acknowledged_by_every_node()
    {
        _nodes[2].Refuse(TryAgain, times: 2);

        var written = await Client.GetValueStore(Descriptor).SetAsync(Key, "v1", WriteOptions.All);

        Assert.Equal(3, written.Acknowledged);
        Assert.Equal(3, _nodes[2].WriteSends);
        Assert.Equal("v1", _values[2].TextOf(Key));
        Assert.Equal([("n2:6379", "TRYAGAIN"), ("n2:6379", "TRYAGAIN")], Retries());
    }

    [Fact]
    public async Task A_write_always_refused_fails_on_that_node_after_four_sends_naming_slot_and_refusal_and_its_circuit_stays_closed()
    {
        _nodes[2].Refuse(TryAgain, times: int.MaxValue);

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await Client.GetValueStore(Descriptor).SetAsync(Key, "v1", WriteOptions.All));

        var outcome = error.Outcomes.Single(o => o.Node == "n2:6379");
        Assert.Equal(NodeOutcomeKind.Failed, outcome.Kind);
        var refused = Assert.IsType<NodeSlotUnavailableException>(outcome.Error);
        Assert.IsAssignableFrom<NodeUnavailableException>(refused);
        Assert.Equal(("n2:6379", HashSlot.Of(Key), "TRYAGAIN", 4), (refused.Node, refused.Slot, refused.Refusal, refused.Attempts));
        Assert.Contains($"hash slot {HashSlot.Of(Key)}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("did not run", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("TRYAGAIN", refused.InnerException!.Message, StringComparison.Ordinal);
        Assert.Equal(4, _nodes[2].WriteSends);
        Assert.Equal(3, Retries().Count);

        // The failure threshold is 1: a failure that counted would have opened the circuit, and the next write would skip it.
        Assert.Equal(NodeHealthState.Healthy, Client.Health[2].State);
        Assert.Equal(2, (await Client.GetValueStore(Descriptor).SetAsync(Key, "v2", WriteOptions.Quorum)).Acknowledged);
        _nodes[2].Refuse(TryAgain, times: 0);
        Assert.Equal(3, (await Client.GetValueStore(Descriptor).SetAsync(Key, "v3", WriteOptions.All)).Acknowledged);
    }

    [Theory]
    [InlineData("CLUSTERDOWN The cluster is down", "CLUSTERDOWN")]
    [InlineData("CLUSTERDOWN Hash slot not served", "CLUSTERDOWN")]
    [InlineData("MOVED 12539 127.0.0.1:7001", "MOVED")]
    [InlineData("ASK 12539 127.0.0.1:7001", "ASK")]
    public async Task Each_cluster_refusal_is_sent_again_and_counted_by_its_word(string message, string word)
    {
        _nodes[1].Refuse(message, times: 1);

        Assert.Equal(3, (await Client.GetValueStore(Descriptor).SetAsync(Key, "v1", WriteOptions.All)).Acknowledged);

        Assert.Equal(2, _nodes[1].WriteSends);
        Assert.Equal([("n1:6379", word)], Retries());
    }

    [Theory]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.")]
    [InlineData("ERR Error running script: TRYAGAIN is not the first word")]
    [InlineData("ASKING is not a refusal")]
    public async Task Another_server_error_is_not_sent_again(string message)
    {
        _nodes[2].Refuse(message, times: int.MaxValue);

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await Client.GetValueStore(Descriptor).SetAsync(Key, "v1", WriteOptions.All));

        var outcome = error.Outcomes.Single(o => o.Node == "n2:6379");
        Assert.Equal(NodeOutcomeKind.Failed, outcome.Kind);
        Assert.IsType<RedisServerException>(outcome.Error);
        Assert.Equal(1, _nodes[2].WriteSends);
        Assert.Empty(Retries());
    }

    [Fact]
    public async Task The_retries_stay_within_the_node_timeout()
    {
        // The second pause (20 ms) cannot start within a 15 ms node timeout: at most two sends.
        _client = Connect(TimeSpan.FromMilliseconds(15));
        _nodes[2].Refuse(TryAgain, times: int.MaxValue);

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await Client.GetValueStore(Descriptor).SetAsync(Key, "v1", WriteOptions.All));

        var refused = Assert.IsType<NodeSlotUnavailableException>(error.Outcomes.Single(o => o.Node == "n2:6379").Error);
        Assert.InRange(refused.Attempts, 1, 2);
        Assert.Equal(refused.Attempts, _nodes[2].WriteSends);
    }

    [Fact]
    public async Task A_repair_write_refused_with_TRYAGAIN_is_sent_again_and_repairs_the_node()
    {
        var clock = new HybridLogicalClock(TimeProvider.System, writerId: 7);
        var (older, newer) = (clock.Next(), clock.Next());
        _values[0].Hold(Key, newer, "new", TypeName);
        _values[1].Hold(Key, newer, "new", TypeName);
        _values[2].Hold(Key, older, "old", TypeName);
        _nodes[2].Refuse(TryAgain, times: 2);
        var scope = new RepairScope(Client.ReplicaNodes, 100, new AnarchoRedisMetrics(), NullLogger.Instance, TimeProvider.System);

        await Client.ValueRepair.RepairAsync(Key, TypeName, [.. Client.ReplicaNodes], _values.Select(n => (RedisValue[]?)n.Meta(Key)).ToArray(), entries: null, complete: true, scope, default);

        Assert.Equal((newer, "new"), (_values[2].VersionOf(Key), _values[2].TextOf(Key)));
        Assert.Equal(3, _nodes[2].WriteSends);
        Assert.False(scope.AnyFailed);
        Assert.Equal(2, Retries().Count);
    }

    private AnarchoRedisClient Connect(TimeSpan nodeTimeout)
    {
        var options = new AnarchoRedisOptions { Nodes = ["n0:6379", "n1:6379", "n2:6379"], NodeTimeout = nodeTimeout };
        options.Hints.Enabled = false;
        // Any failure that counted would open the circuit at once.
        options.Health.FailureThreshold = 1;
        var client = AnarchoRedisClient.CreateOverChannels(options, _nodes);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, client.Metrics.Meter) && instrument.Name == "anarchoredis.node.retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? node = null, reason = null;
            foreach (var tag in tags)
            {
                node = tag.Key == "node" ? (string?)tag.Value : node;
                reason = tag.Key == "reason" ? (string?)tag.Value : reason;
            }

            lock (_retries)
            {
                _retries.Add((node!, reason!));
            }
        });
        _listener.Start();
        return client;
    }

    private List<(string Node, string Reason)> Retries()
    {
        lock (_retries)
        {
            return [.. _retries];
        }
    }

    /// <summary>Refuses the value writes a number of times with a server error, then passes them on.</summary>
    private sealed class RefusingChannel(INodeChannel inner) : INodeChannel
    {
        private string _message = string.Empty;
        private int _refusals;
        private int _sends;

        /// <summary>How many value writes were sent to this node (refused ones included).</summary>
        public int WriteSends => Volatile.Read(ref _sends);

        public void Refuse(string message, int times)
        {
            _message = message;
            Volatile.Write(ref _refusals, times);
        }

        public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
        {
            if (!ReferenceEquals(script, LuaScript.ValueWrite))
            {
                return inner.EvaluateAsync(script, keys, values);
            }

            Interlocked.Increment(ref _sends);
            if (Interlocked.Decrement(ref _refusals) >= 0)
            {
                return Task.FromException<RedisResult>(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, _message));
            }

            Interlocked.Exchange(ref _refusals, 0);
            return inner.EvaluateAsync(script, keys, values);
        }

        public Task LoadAsync(LuaScript script) => inner.LoadAsync(script);

        public Task PingAsync() => inner.PingAsync();
    }
}
