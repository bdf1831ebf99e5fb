using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks.Micro;

/// <summary>
/// The SDK's whole per-operation client path at N=3, W=R=2 with the network replaced by <see cref="InMemoryNode"/>s
/// that answer every script at once with a canned reply: what the client adds per operation, in CPU time and allocated
/// bytes, without StackExchange.Redis' socket I/O. Beside the SDK rows: the fake alone (3 calls, the floor every row
/// pays), the codec alone (the payload), and the load driver's "bare" hand-written fan-out of the same scripts.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks -- micro --filter '*OperationPath*'</c>.
/// Slot digests are on (the default), as in the load driver's SDK rows; the model is the load driver's ~100-byte one.
/// </remarks>
[MemoryDiagnoser]
[ShortRunJob]
public class OperationPathBenchmarks
{
    private const string ValueTypeName = "bench.value";
    private const string ListTypeName = "bench.list";
    private const string Key = "sdk:4242";
    private const string ListKey = "lsdk:4242";

    private static readonly RedisValue ModeValue = "v";
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue BareValueType = ValueTypeName;
    private static readonly RedisValue BareListType = ListTypeName;
    private static readonly RedisValue RangeMode = "range";
    private static readonly RedisValue Nine = 9;

    private readonly Workload _workload = new(keyCount: 1, valueBytes: 100);
    private readonly VersionSource _bareVersions = new();
    private readonly List<InMemoryNode> _nodes = [];
    private InMemoryNetwork _network = null!;
    private InMemoryNetwork _staleNetwork = null!;
    private InMemoryNode[] _bare = null!;
    private AnarchoRedisClient _client = null!;
    private AnarchoRedisClient _staleClient = null!;
    private ReplicatedValueStore<BenchValue> _values = null!;
    private ReplicatedValueStore<BenchValue> _staleValues = null!;
    private ReplicatedListStore<BenchValue> _lists = null!;
    private ValueCodec<BenchValue> _codec = null!;
    private RedisKey[] _bareWriteKeys = [];
    private RedisKey[] _bareListWriteKeys = [];
    private string _bareMeta = string.Empty;
    private string _bareListMeta = string.Empty;
    private string _bareListTomb = string.Empty;
    private RedisValue _barePayload;

    /// <summary>The in-sync client (for <see cref="OperationPathProfile"/>).</summary>
    internal AnarchoRedisClient Client => _client;

    /// <summary>The model's MessagePack bytes.</summary>
    internal byte[] Payload => _workload.Payload;

    /// <summary>Whether the nodes' replies come after the call returned (as over a socket) or are already there.</summary>
    [Params(Answer.Deferred, Answer.Inline)]
    public Answer Answer { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new AnarchoRedisOptions { Nodes = ["127.0.0.1:16379", "127.0.0.1:16380", "127.0.0.1:16381"] };
        var clock = new HybridLogicalClock(TimeProvider.System, writerId: 0xbe4c_0000_0000_0001UL);
        var older = clock.Next();
        var current = clock.Next();
        var payload = _workload.Payload;
        var olderPayload = MessagePack.MessagePackSerializer.Serialize(new BenchValue { Id = 4242, Name = "older" }, ValueCodec<BenchValue>.DefaultOptions);

        // A list of 1,000 elements whose first ten (the range read) are ~100-byte elements pushed at the left.
        var ids = Enumerable.Range(0, 10).Select(_ => clock.Next()).Reverse().ToArray();
        var envelopes = ids.Select(id => ListEnvelope.Encode(id, ListSide.Left, payload)).ToArray();
        var digest = ListDigest.Of(ids);

        InMemoryNode Node(InMemoryNetwork network, ReplicatedVersion held, byte[] data)
        {
            var node = new InMemoryNode(network)
                .Answers(LuaScript.ValueWrite, ScriptReplies.ValueWrite(current))
                .Answers(LuaScript.ValueRead, ScriptReplies.ValueRead(held, ValueTypeName, data))
                .Answers(LuaScript.ListPush, ScriptReplies.ListPush(1_001, digest, current))
                .Answers(LuaScript.ListRead, ScriptReplies.ListRead(current, 1_000, digest, envelopes, ids[0]));
            _nodes.Add(node);
            return node;
        }

        // Every node in sync; and a second cluster where node 1 holds an older version (each read repairs it).
        _network = new InMemoryNetwork(Answer);
        _staleNetwork = new InMemoryNetwork(Answer);
        _bare = [Node(_network, current, payload), Node(_network, current, payload), Node(_network, current, payload)];
        _client = AnarchoRedisClient.CreateOverChannels(options, _bare);
        _staleClient = AnarchoRedisClient.CreateOverChannels(
            options,
            [Node(_staleNetwork, current, payload), Node(_staleNetwork, older, olderPayload), Node(_staleNetwork, current, payload)]);
        _values = _client.GetValueStore(new ReplicatedValueDescriptor<BenchValue>(ValueTypeName, "sdk:{Id}"));
        _staleValues = _staleClient.GetValueStore(new ReplicatedValueDescriptor<BenchValue>(ValueTypeName, "sdk:{Id}"));
        _lists = _client.GetListStore(new ReplicatedListDescriptor<BenchValue>(ListTypeName, "lsdk:{Id}"));
        _codec = new ValueCodec<BenchValue>(ValueCodec<BenchValue>.DefaultOptions, options.MaxValueBytes);

        // The bare cases' keys as the load driver precomputes them (data, meta, slot index, slot digest).
        var slots = new SlotKeys(options.SlotKeyPrefix);
        var slot = HashSlot.Of(Key);
        _bareMeta = Workload.MetaKeys(options.MetaKeyPrefix, [Key])[0];
        _bareWriteKeys = [Key, _bareMeta, slots.IndexKey(slot), slots.DigestKey(slot)];
        var listSlot = HashSlot.Of(ListKey);
        _bareListMeta = Workload.MetaKeys(options.MetaKeyPrefix, [ListKey])[0];
        _bareListTomb = Workload.MetaKeys(options.ListTombstonePrefix, [ListKey])[0];
        _bareListWriteKeys = [ListKey, _bareListMeta, _bareListTomb, slots.IndexKey(listSlot), slots.DigestKey(listSlot)];
        _barePayload = payload;

        Check();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _staleClient.Dispose();
    }

    /// <summary>The fake alone: three script calls and their replies, the floor under every row (a repair makes four).</summary>
    [Benchmark]
    public RedisResult FakeThreeCalls()
    {
        var a = _bare[0].EvaluateAsync(LuaScript.ValueRead, _bareWriteKeys, []);
        _ = _bare[1].EvaluateAsync(LuaScript.ValueRead, _bareWriteKeys, []);
        _ = _bare[2].EvaluateAsync(LuaScript.ValueRead, _bareWriteKeys, []);
        _network.Deliver();
        return a.Result;
    }

    /// <summary>The payload of a write: MessagePack of the model (every SDK write serializes once).</summary>
    [Benchmark]
    public byte[] PayloadEncode() => _codec.Encode(Key, _workload.Value);

    /// <summary>The payload of a read: the model decoded (a range read of ten decodes ten).</summary>
    [Benchmark]
    public object PayloadDecode() => _codec.Decode(_workload.Payload);

    /// <summary>The load driver's bare value write: version, ARGV, 3 EVALSHA, 2 of 3 awaited by hand.</summary>
    [Benchmark]
    public bool BareValueWrite()
    {
        var version = _bareVersions.NextVersion();
        RedisValue[] argv = [version.ToString(), ModeValue, _barePayload, Zero, Zero, Zero, BareValueType, Zero, SlotEntry.ValueHash(Key, version), Zero];
        return Finish(Quorum.WhenAsync(
            2,
            _bare[0].EvaluateAsync(LuaScript.ValueWrite, _bareWriteKeys, argv),
            _bare[1].EvaluateAsync(LuaScript.ValueWrite, _bareWriteKeys, argv),
            _bare[2].EvaluateAsync(LuaScript.ValueWrite, _bareWriteKeys, argv)));
    }

    /// <summary>The load driver's bare value read: 3 EVALSHA, 2 of 3 awaited, replies not parsed.</summary>
    [Benchmark]
    public bool BareValueRead()
    {
        RedisKey[] keys = [Key, _bareMeta];
        return Finish(Quorum.WhenAsync(
            2,
            _bare[0].EvaluateAsync(LuaScript.ValueRead, keys, []),
            _bare[1].EvaluateAsync(LuaScript.ValueRead, keys, []),
            _bare[2].EvaluateAsync(LuaScript.ValueRead, keys, [])));
    }

    /// <summary>The load driver's bare list push: id, envelope, element hash, 3 EVALSHA, 2 of 3 awaited.</summary>
    [Benchmark]
    public bool BareListPush()
    {
        var id = _bareVersions.NextVersion();
        RedisValue[] argv = [BareListType, id.ToString(), Zero, Zero, Zero, Zero, ListEnvelope.Encode(id, ListSide.Left, _workload.Payload), ListDigest.Format(ListDigest.ElementHash(id))];
        return Finish(Quorum.WhenAsync(
            2,
            _bare[0].EvaluateAsync(LuaScript.ListPush, _bareListWriteKeys, argv),
            _bare[1].EvaluateAsync(LuaScript.ListPush, _bareListWriteKeys, argv),
            _bare[2].EvaluateAsync(LuaScript.ListPush, _bareListWriteKeys, argv)));
    }

    /// <summary>The load driver's bare range read 0..9: 3 EVALSHA, 2 of 3 awaited, replies not parsed.</summary>
    [Benchmark]
    public bool BareListRange()
    {
        RedisKey[] keys = [ListKey, _bareListMeta, _bareListTomb];
        RedisValue[] argv = [BareListType, RangeMode, Zero, Nine];
        return Finish(Quorum.WhenAsync(
            2,
            _bare[0].EvaluateAsync(LuaScript.ListRead, keys, argv),
            _bare[1].EvaluateAsync(LuaScript.ListRead, keys, argv),
            _bare[2].EvaluateAsync(LuaScript.ListRead, keys, argv)));
    }

    [Benchmark]
    public WriteResult SdkSet() => Finish(_values.SetAsync(Key, _workload.Value, WriteOptions.Quorum));

    /// <summary>A quorum read of an in-sync key: nothing to repair.</summary>
    [Benchmark]
    public BenchValue? SdkGet() => Finish(_values.GetAsync(Key, ReadOptions.Quorum));

    /// <summary>A quorum read where node 1 (in the quorum) holds an older version: a blocking read repair (a 4th call) each time.</summary>
    [Benchmark]
    public BenchValue? SdkGetRepairingOne() => Finish(_staleValues.GetAsync(Key, ReadOptions.Quorum), _staleNetwork);

    [Benchmark]
    public ListWriteResult SdkPushLeft() => Finish(_lists.PushLeftAsync(ListKey, _workload.Value, WriteOptions.Quorum));

    [Benchmark]
    public IReadOnlyList<BenchValue> SdkRange0To9() => Finish(_lists.RangeAsync(ListKey, 0, 9, ReadOptions.Quorum));

    private T Finish<T>(ValueTask<T> operation, InMemoryNetwork? network = null)
    {
        (network ?? _network).Deliver();
        if (!operation.IsCompleted)
        {
            throw new InvalidOperationException("The operation did not complete once every reply was delivered.");
        }

        return operation.Result;
    }

    private bool Finish(Task<bool> operation)
    {
        _network.Deliver();
        if (!operation.IsCompleted)
        {
            throw new InvalidOperationException("The bare fan-out did not complete once every reply was delivered.");
        }

        return operation.Result;
    }

    /// <summary>Every SDK row does what it says (acknowledged, value read back, repair sent, range decoded) before it is timed.</summary>
    private void Check()
    {
        foreach (var node in _nodes)
        {
            node.Counting = true;
        }

        Require(SdkSet().Acknowledged >= 2, "the write was not acknowledged by 2 nodes");
        Require(SdkGet() is { Id: 4242 }, "the read did not return the value");
        Require(SdkPushLeft().Length == 1_001, "the push did not report the list's length");
        Require(SdkRange0To9() is { Count: 10 } range && range.All(v => v.Id == 4242), "the range read did not return ten elements");
        Require(SdkGetRepairingOne() is { Id: 4242 }, "the repairing read did not return the newest value");
        var repairs = _nodes.Sum(n => n.Runs.GetValueOrDefault(LuaScript.ValueWrite)) - 3;
        Require(repairs == 1 && _nodes[4].Runs.GetValueOrDefault(LuaScript.ValueWrite) == 1, $"the stale node was not repaired once by the read ({repairs} repairs)");
        Require(_network.Calls == 12 && _staleNetwork.Calls == 4, $"unexpected call counts {_network.Calls}, {_staleNetwork.Calls}");
        foreach (var node in _nodes)
        {
            node.Counting = false;
            node.Runs.Clear();
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("OperationPathBenchmarks setup: " + message);
        }
    }
}
