namespace AnarchoRedis;

/// <summary>
/// The error of a node's outcome when the node is a Redis Cluster and the shard of the key's hash slot refused the
/// script every time the library sent it (a few times, a few milliseconds apart, within
/// <see cref="AnarchoRedisOptions.NodeTimeout"/>): <c>TRYAGAIN</c> (the slot is migrating and the script's keys are on
/// two shards for the moment), <c>CLUSTERDOWN</c>, or a <c>MOVED</c>/<c>ASK</c> StackExchange.Redis did not follow.
/// The script did not run, so the outcome is <see cref="NodeOutcomeKind.Failed"/>, not indeterminate; the shard answered,
/// so its circuit stays closed. Carried in <see cref="NodeOutcome.Error"/>, never thrown on its own.
/// </summary>
public sealed class NodeSlotUnavailableException : NodeUnavailableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node.</param>
    /// <param name="state">The state of the node (on a cluster node, of the slot's shard) when it refused.</param>
    /// <param name="slot">The hash slot of the script's first key, or -1 for a script without keys.</param>
    /// <param name="refusal">The server's word: <c>TRYAGAIN</c>, <c>CLUSTERDOWN</c>, <c>MOVED</c> or <c>ASK</c>.</param>
    /// <param name="attempts">How many times the script was sent.</param>
    /// <param name="innerException">The server's last refusal.</param>
    public NodeSlotUnavailableException(string node, NodeHealthState state, int slot, string refusal, int attempts, System.Exception? innerException)
        : base(node, state, MessageOf(node, slot, refusal, attempts, innerException), innerException)
    {
        Slot = slot;
        Refusal = refusal;
        Attempts = attempts;
    }

    /// <summary>The hash slot of the script's first key, or -1 for a script without keys.</summary>
    public int Slot { get; }

    /// <summary>The server's word: <c>TRYAGAIN</c>, <c>CLUSTERDOWN</c>, <c>MOVED</c> or <c>ASK</c>.</summary>
    public string Refusal { get; }

    /// <summary>How many times the script was sent.</summary>
    public int Attempts { get; }

    private static string MessageOf(string node, int slot, string refusal, int attempts, System.Exception? refused)
    {
        var why = refusal switch
        {
            "TRYAGAIN" => "the slot is migrating between two shards and the script's keys are split between them for the moment",
            "CLUSTERDOWN" => "the cluster is down, or no shard serves the slot",
            _ => "the slot moved to another shard and StackExchange.Redis did not follow the redirection",
        };
        var where = slot < 0 ? "a command without keys" : $"hash slot {slot}";
        var times = attempts == 1 ? "once" : $"{attempts} times";
        var said = refused is null ? refusal : refused.Message;
        return $"Node {node} refused {where} {times} ({said}): {why}. The script did not run on this node.";
    }
}
