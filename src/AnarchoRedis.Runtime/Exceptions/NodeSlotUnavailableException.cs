namespace AnarchoRedis;

/// <summary>
/// The error of a node's outcome when the node is a Redis Cluster and the shard of the key's hash slot refused the
/// command for as long as the library retried it: <c>TRYAGAIN</c> (the slot is migrating and the script's keys are on
/// two shards for the moment), <c>CLUSTERDOWN</c>, or a <c>MOVED</c>/<c>ASK</c> StackExchange.Redis did not follow.
/// The script did not run (the outcome is <see cref="NodeOutcomeKind.Failed"/>, not indeterminate). Carried in
/// <see cref="NodeOutcome.Error"/>, never thrown on its own.
/// </summary>
public sealed class NodeSlotUnavailableException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node.</param>
    /// <param name="slot">The key's hash slot.</param>
    /// <param name="attempts">How many times the command was sent.</param>
    /// <param name="innerException">The server's last refusal.</param>
    public NodeSlotUnavailableException(string node, int slot, int attempts, System.Exception innerException)
        : base($"Node {node} refused the command for hash slot {slot} {attempts} times ({innerException?.Message}): the slot is migrating between shards or the cluster is down; the script did not run on this node.", null, innerException)
    {
        Node = node;
        Slot = slot;
        Attempts = attempts;
    }

    /// <summary>The node.</summary>
    public string Node { get; }

    /// <summary>The key's hash slot.</summary>
    public int Slot { get; }

    /// <summary>How many times the command was sent.</summary>
    public int Attempts { get; }
}
