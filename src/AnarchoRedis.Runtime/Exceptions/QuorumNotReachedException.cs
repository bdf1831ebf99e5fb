using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AnarchoRedis;

/// <summary>
/// Fewer than the required nodes acknowledged a write or answered a read. For a write the outcome is
/// <b>indeterminate</b> when any node applied it or timed out: the value may be visible later (the version check keeps
/// late arrivals harmless, and nothing is rolled back). <see cref="Outcomes"/> holds every node's outcome.
/// </summary>
public sealed class QuorumNotReachedException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operation">The operation (for example <c>set</c>, <c>get</c>).</param>
    /// <param name="key">The logical key.</param>
    /// <param name="required">How many replies were needed.</param>
    /// <param name="outcomes">Every node's outcome.</param>
    public QuorumNotReachedException(string operation, string key, int required, IReadOnlyList<NodeOutcome> outcomes)
        : base(Describe(operation, key, required, outcomes), key, outcomes.FirstOrDefault(o => o.Error is not null).Error)
    {
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
    /// Whether the write may still take effect: some node applied it, timed out, or had not answered (and may run it later).
    /// Always <see langword="false"/> for reads.
    /// </summary>
    public bool IsIndeterminate => Outcomes.Any(o => o.Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.TimedOut or NodeOutcomeKind.Pending);

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
