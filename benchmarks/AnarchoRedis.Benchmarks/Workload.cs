using System;
using System.Globalization;
using MessagePack;

namespace AnarchoRedis.Benchmarks;

/// <summary>The SDK cases' model: a small record that serializes (contractless MessagePack, as the SDK does) to about 100 bytes.</summary>
public sealed class BenchValue
{
    public int Id { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Email { get; set; } = string.Empty;

    public long Score { get; set; }

    public string Note { get; set; } = string.Empty;
}

/// <summary>Keys, payloads and versions shared by all cases.</summary>
internal sealed class Workload
{
    public Workload(int keyCount, int valueBytes)
    {
        KeyCount = keyCount;
        Value = new BenchValue { Id = 4242, Name = "user-004242", Email = "user004242@example.org", Score = 123_456_789 };
        var bare = MessagePackSerializer.Serialize(Value, ValueCodec<BenchValue>.DefaultOptions).Length;
        Value.Note = new string('n', Math.Max(0, valueBytes - bare - 1));
        Payload = MessagePackSerializer.Serialize(Value, ValueCodec<BenchValue>.DefaultOptions);
    }

    public int KeyCount { get; }

    /// <summary>The model value every SDK write sends (serialized by the SDK on each call).</summary>
    public BenchValue Value { get; }

    /// <summary>The same value serialized once: the payload of every hand-written case, byte for byte what the SDK sends.</summary>
    public byte[] Payload { get; }

    /// <summary>Logical keys <c>{prefix}{i}</c>, formatted once.</summary>
    public string[] Keys(string prefix)
    {
        var keys = new string[KeyCount];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = string.Concat(prefix, i.ToString(CultureInfo.InvariantCulture));
        }

        return keys;
    }

    /// <summary>Meta keys named as the SDK names them: <c>{metaPrefix}{{key}}</c> (same hash slot as the data key).</summary>
    public static string[] MetaKeys(string metaPrefix, string[] keys) => Array.ConvertAll(keys, k => string.Concat(metaPrefix, "{", k, "}"));
}

/// <summary>
/// Versions for the hand-written versioned cases: 32 lowercase hex digits in the SDK's format (48-bit ms clock,
/// 16-bit counter, 64-bit writer), from one atomic counter: the least a hand-written client must do per write.
/// </summary>
internal sealed class VersionSource
{
    private readonly ulong _writer = (ulong)Random.Shared.NextInt64();
    private long _clock = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16;

    public string Next() => NextVersion().ToString();

    public ReplicatedVersion NextVersion() => new((ulong)System.Threading.Interlocked.Increment(ref _clock), _writer);
}
