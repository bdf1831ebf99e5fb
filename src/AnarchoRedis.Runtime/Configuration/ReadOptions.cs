namespace AnarchoRedis;

/// <summary>Per-call read options. Unset members fall back to the type's attribute, then to <see cref="AnarchoRedisOptions"/>.</summary>
public sealed record ReadOptions
{
    /// <summary>Read from one node.</summary>
    public static ReadOptions One { get; } = new() { Consistency = AnarchoRedis.Consistency.One };

    /// <summary>Read from a majority.</summary>
    public static ReadOptions Quorum { get; } = new() { Consistency = AnarchoRedis.Consistency.Quorum };

    /// <summary>Read from every node.</summary>
    public static ReadOptions All { get; } = new() { Consistency = AnarchoRedis.Consistency.All };

    /// <summary>The read quorum R as a level.</summary>
    public Consistency Consistency { get; init; }

    /// <summary>An explicit R (1..N); wins over <see cref="Consistency"/>.</summary>
    public int? RequiredReplies { get; init; }

    /// <summary>Overrides <see cref="AnarchoRedisOptions.ReadRepair"/> for this call.</summary>
    public ReadRepairMode? ReadRepair { get; init; }

    /// <summary>Overrides <see cref="AnarchoRedisOptions.ReadFanOut"/> for this call.</summary>
    public ReadFanOut? FanOut { get; init; }
}
