using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace AnarchoRedis;

/// <summary>The hint instruments, on the library's meter: recorded, replayed, dropped, and the pending gauge.</summary>
internal sealed class HintMetrics
{
    private readonly Counter<long> _recorded;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _dropped;

    public HintMetrics(Meter meter, Func<IEnumerable<Measurement<long>>> pending)
    {
        _recorded = meter.CreateCounter<long>("anarchoredis.hint.recorded", "{hint}", "Hints recorded for nodes that missed a write, by node and where (memory, durable).");
        _replayed = meter.CreateCounter<long>("anarchoredis.hint.replayed", "{hint}", "Hints replayed to their node as targeted repairs, by node and source (memory, durable).");
        _dropped = meter.CreateCounter<long>("anarchoredis.hint.dropped", "{hint}", "Hints dropped because their node already had Hints.MaxPerNode pending (anti-entropy heals them).");
        meter.CreateObservableGauge("anarchoredis.hint.pending", pending, "{hint}", "In-memory hints waiting for their node, by node.");
    }

    public void Recorded(string node, string where) =>
        _recorded.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("where", where));

    public void Replayed(string node, string source, long count)
    {
        if (count > 0)
        {
            _replayed.Add(count, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("source", source));
        }
    }

    public void Dropped(string node) => _dropped.Add(1, new KeyValuePair<string, object?>("node", node));
}
