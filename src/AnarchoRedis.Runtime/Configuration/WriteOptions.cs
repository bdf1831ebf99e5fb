using System;

namespace AnarchoRedis;

/// <summary>Per-call write options. Unset members fall back to the type's attribute, then to <see cref="AnarchoRedisOptions"/>.</summary>
public sealed record WriteOptions
{
    /// <summary>Acknowledge after one node.</summary>
    public static WriteOptions One { get; } = new() { Consistency = AnarchoRedis.Consistency.One };

    /// <summary>Acknowledge after a majority.</summary>
    public static WriteOptions Quorum { get; } = new() { Consistency = AnarchoRedis.Consistency.Quorum };

    /// <summary>Acknowledge after every node.</summary>
    public static WriteOptions All { get; } = new() { Consistency = AnarchoRedis.Consistency.All };

    /// <summary>The write quorum W as a level.</summary>
    public Consistency Consistency { get; init; }

    /// <summary>An explicit W (1..N); wins over <see cref="Consistency"/>.</summary>
    public int? RequiredAcknowledgements { get; init; }

    /// <summary>Time to live of the written value; overrides the type's. Ignored by deletes.</summary>
    public TimeSpan? TimeToLive { get; init; }
}
