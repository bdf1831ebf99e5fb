using System;
using System.Globalization;

namespace AnarchoRedis.Testing;

/// <summary>Hash slots <see cref="Start"/> to <see cref="End"/> of a Redis Cluster, both included (0..16383).</summary>
/// <param name="Start">The first slot.</param>
/// <param name="End">The last slot.</param>
public readonly record struct SlotRange(int Start, int End)
{
    /// <summary>How many slots the range holds.</summary>
    public int Count => End - Start + 1;

    /// <summary>Whether <paramref name="slot"/> is in the range.</summary>
    /// <param name="slot">A hash slot.</param>
    /// <returns><see langword="true"/> when <see cref="Start"/> &lt;= slot &lt;= <see cref="End"/>.</returns>
    public bool Contains(int slot) => slot >= Start && slot <= End;

    /// <inheritdoc />
    public override string ToString() => Start == End
        ? Start.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Start}-{End}");
}
