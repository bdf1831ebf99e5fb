using System;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks.Micro;

/// <summary>
/// What the client does per operation before and after the network, with no network: versions and the hybrid logical
/// clock, key naming, slot-digest entry hashes, value serialization and list envelopes. Each benchmark is one call the
/// hot path makes; the memory diagnoser gives the bytes allocated per call.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CoreBenchmarks
{
    private readonly HybridLogicalClock _clock = new(TimeProvider.System, writerId: 0x1234_5678_9abc_def0UL);
    private readonly KeySpace _keys = new(AnarchoRedisOptions.DefaultMetaKeyPrefix, 16 * 1024, "anrcho_tomb:", "anrcho_slot:", "anrcho_epoch", "anrcho_hints:");
    private readonly SlotKeys _slots = new("anrcho_slot:");
    private readonly ValueCodec<BenchValue> _codec = new(ValueCodec<BenchValue>.DefaultOptions, 16 * 1024 * 1024);
    private readonly BenchValue _value = new() { Id = 42, Name = "Ada Lovelace", Email = "ada@example.org", Score = 1815, Note = "first programmer" };
    private ReplicatedVersion _version;
    private ReplicatedVersion _older;
    private string _versionText = string.Empty;
    private byte[] _payload = [];
    private byte[] _envelope = [];

    [GlobalSetup]
    public void Setup()
    {
        _older = _clock.Next();
        _version = _clock.Next();
        _versionText = _version.ToString();
        _payload = _codec.Encode("user:42", _value);
        _envelope = ListEnvelope.Encode(_version, ListSide.Right, _payload);
    }

    /// <summary>A new version: <c>max(now, last + 1)</c> with the writer id.</summary>
    [Benchmark]
    public ReplicatedVersion ClockNext() => _clock.Next();

    /// <summary>A version seen in a reply advances the clock.</summary>
    [Benchmark]
    public void ClockObserve() => _clock.Observe(_older);

    /// <summary>The 32-hex-digit text the scripts compare.</summary>
    [Benchmark]
    public string VersionFormat() => _version.ToString();

    [Benchmark]
    public bool VersionParse() => ReplicatedVersion.TryParse(_versionText.AsSpan(), out _);

    [Benchmark]
    public bool VersionCompare() => _older < _version;

    /// <summary>The meta key of a data key (checks the key, keeps the hash slot).</summary>
    [Benchmark]
    public string MetaKey() => _keys.MetaKey("user:42");

    [Benchmark]
    public int HashSlotOf() => HashSlot.Of("user:42");

    /// <summary>The slot index and digest keys of a key.</summary>
    [Benchmark]
    public (RedisKey, RedisKey) SlotKeysOf() => _slots.Of("user:42");

    /// <summary>The 40-bit entry hash of (key, version) a write passes to its script.</summary>
    [Benchmark]
    public long SlotEntryHash() => SlotEntry.ValueHash("user:42", _version);

    /// <summary>MessagePack of a ~100-byte model (contractless, size-checked), as a write serializes it once.</summary>
    [Benchmark]
    public byte[] ValueEncode() => _codec.Encode("user:42", _value);

    [Benchmark]
    public object ValueDecode() => _codec.Decode(_payload);

    /// <summary>A list element's envelope: id, side, payload.</summary>
    [Benchmark]
    public byte[] EnvelopeEncode() => ListEnvelope.Encode(_version, ListSide.Right, _payload);

    [Benchmark]
    public bool EnvelopeDecode() => ListEnvelope.TryDecode(_envelope, out _);
}
