namespace AnarchoRedis;

/// <summary>
/// An exactly-once pop gave up after <see cref="AnarchoRedisOptions.PopClaimAttempts"/> claim rounds, because concurrent
/// poppers kept splitting the nodes' claims so that no element had a quorum. Nothing was popped: every claim this pop
/// made was released, and the list is as it was. Try again, or pop with fewer concurrent poppers per list.
/// </summary>
public sealed class PopContendedException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="attempts">How many claim rounds were made.</param>
    public PopContendedException(string key, int attempts)
        : base($"The exactly-once pop on list '{key}' found no element it could claim on a quorum of nodes in {attempts} rounds (concurrent poppers split the claims). Nothing was popped.", key)
    {
        Attempts = attempts;
    }

    /// <summary>How many claim rounds were made.</summary>
    public int Attempts { get; }
}
