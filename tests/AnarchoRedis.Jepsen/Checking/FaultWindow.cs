namespace AnarchoRedis.Jepsen.Checking;

/// <summary>A fault the nemesis held on one node, from <see cref="Start"/> until healed at <see cref="End"/> (Unix µs).</summary>
public sealed record FaultWindow(string Kind, int Node, long Start, long End, string? Detail = null)
{
    public bool Overlaps(long from, long to) => from < End && to > Start;
}
