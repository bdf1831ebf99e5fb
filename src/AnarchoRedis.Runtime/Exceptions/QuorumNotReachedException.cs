using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AnarchoRedis;

/// <summary>
/// Fewer than the required nodes acknowledged a write or answered a read. For a write the outcome is
/// <b>indeterminate</b> (<see cref="IsIndeterminate"/>) when any node applied it, timed out or had not answered: the
/// write may become visible later (a stalled script runs when its node resumes; the version check keeps late arrivals
/// harmless, and nothing is rolled back), so it must never be taken as "not applied". Only a write that every node
/// refused (error replies, nodes that were not asked) or superseded is definitely without effect.
/// <see cref="Outcomes"/> holds every node's outcome.
/// </summary>
/// <remarks>
/// A list operation that reads before it writes (pop, remove, trim) throws this from its read when fewer than W nodes
/// answer it: <see cref="Operation"/> then names the read (<c>lrange</c>, <c>list_repair</c>), nothing was written and
/// <see cref="IsIndeterminate"/> is <see langword="false"/>.
/// </remarks>
public sealed class QuorumNotReachedException : AnarchoRedisException
{
    private readonly bool _isWrite;

    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The operation (for example <c>set</c>, <c>get</c>).</param>
    /// <param name="key">The logical key.</param>
    /// <param name="required">How many replies were needed.</param>
    /// <param name="outcomes">Every node's outcome.</param>
    public QuorumNotReachedException(string operation, string key, int required, IReadOnlyList<NodeOutcome> outcomes)
        : this(operation, key, required, outcomes, isWrite: true)
    {
    }

    /// <summary>Creates the exception for a write, or for a read (never indeterminate).</summary>
    internal QuorumNotReachedException(string operation, string key, int required, IReadOnlyList<NodeOutcome> outcomes, bool isWrite)
        : base(Describe(operation, key, required, outcomes), key, outcomes.FirstOrDefault(o => o.Error is not null).Error)
    {
        _isWrite = isWrite;
        Operation = operation;
        Required = required;
        Outcomes = outcomes;
        Acknowledged = outcomes.Count(o => o.IsAcknowledged);
    }

    /// <summary>The operation that failed.</summary>
    public string Operation { get; }

    /// <summary>How many replies were needed.</summary>
    public int Required { get; }

    /// <summary>How many nodes acknowledged or answered.</summary>
    public int Acknowledged { get; }

    /// <summary>Every node's outcome, in node order.</summary>
    public IReadOnlyList<NodeOutcome> Outcomes { get; }

    /// <summary>
    /// Whether the write may have taken effect or still take effect: some node applied it, timed out, or had not
    /// answered (and may run it later). <see langword="false"/> only when every node refused it (<see cref="NodeOutcomeKind.Failed"/>,
    /// <see cref="NodeOutcomeKind.Skipped"/>) or already held something newer (<see cref="NodeOutcomeKind.Superseded"/>: the
    /// write can never be visible there). Always <see langword="false"/> for reads.
    /// </summary>
    public bool IsIndeterminate => _isWrite && Outcomes.Any(o => o.Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.TimedOut or NodeOutcomeKind.Pending);

    private static string Describe(string operation, string key, int required, IReadOnlyList<NodeOutcome> outcomes)
    {
        var text = new StringBuilder();
        text.Append("Quorum not reached for ").Append(operation).Append(" of key '").Append(key).Append("': ")
            .Append(outcomes.Count(o => o.IsAcknowledged)).Append(" of ").Append(required).Append(" required replies.");
        foreach (var outcome in outcomes)
        {
            text.Append(' ').Append(outcome.Node).Append('=').Append(outcome.Kind);
            if (outcome.Error is { } error)
            {
                text.Append(" (").Append(error.Message).Append(')');
            }

            text.Append(';');
        }

        return text.ToString();
    }
}
