using System;
using System.Diagnostics;
using System.Threading;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// One node's health: a latency average, consecutive failures, a circuit, and the state of its epoch (empty-restart
/// detection). The hot path (<see cref="IsOpen"/>, <see cref="CountsForReads"/>, <see cref="OnAnswer"/>,
/// <see cref="Observe"/>) is a few volatile reads and writes, without locks or allocations; state changes are rare and
/// reported through <see cref="CircuitChanged"/>.
/// </summary>
internal sealed class NodeHealth : INodeGauge
{
    /// <summary>The weight of a new latency sample in the average.</summary>
    internal const double LatencyWeight = 0.2;

    private const int Closed = 0;
    private const int Opened = 1;

    private readonly int _threshold;
    private readonly Lock _transitions = new();
    private int _generation;
    private int _circuit;
    private int _epoch;
    private string? _epochId;
    private int _failures;
    private long _latencyBits;
    private NodeUnavailableException? _skipError;
    private Exception? _lastFailure;
    private NodeUnavailableException? _notCountedError;

    public NodeHealth(string name, int failureThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failureThreshold, 1);
        Name = name;
        _threshold = failureThreshold;
    }

    /// <summary>What the client knows of a node's epoch.</summary>
    internal enum EpochStatus
    {
        /// <summary>Not verified since the node (re)connected: it may have restarted empty.</summary>
        Unverified = 0,

        /// <summary>The node lost its data and is being refilled.</summary>
        Filling = 1,

        /// <summary>The node's epoch is ready.</summary>
        Ready = 2,
    }

    public string Name { get; }

    /// <summary>
    /// Raised with <see langword="true"/> when the circuit opens and <see langword="false"/> when it closes (on the thread
    /// that made the change: a replicator's continuation, a connection event or the prober; handlers must be quick).
    /// </summary>
    public event Action<NodeHealth, bool>? CircuitChanged;

    /// <summary>Whether operations skip the node.</summary>
    public bool IsOpen => Volatile.Read(ref _circuit) == Opened;

    /// <summary>Whether the node's read answers count toward R: its circuit is closed and its epoch verified ready.</summary>
    public bool CountsForReads => Volatile.Read(ref _circuit) == Closed && Volatile.Read(ref _epoch) == (int)EpochStatus.Ready;

    public EpochStatus Epoch => (EpochStatus)Volatile.Read(ref _epoch);

    /// <summary>The epoch id last verified, or <see langword="null"/>.</summary>
    public string? EpochId => Volatile.Read(ref _epochId);

    public int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>
    /// The node's <c>evicted_keys</c> (INFO stats) up to which an anti-entropy pass has verified that no evicted data key
    /// is left unrepaired under its meta; -1 before the first pass (EvictionSweep).
    /// </summary>
    public long EvictionsVerified
    {
        get => Interlocked.Read(ref _evictionsVerified);
        set => Interlocked.Exchange(ref _evictionsVerified, value);
    }

    private long _evictionsVerified = -1;

    /// <summary>
    /// Changes each time the connection drops. A verification captures it before it sends its read, and its answer is
    /// applied only if it has not changed: an answer from before a drop says nothing of the node after it.
    /// </summary>
    public int Generation => Volatile.Read(ref _generation);

    public TimeSpan LatencyAverage => TimeSpan.FromMilliseconds(BitConverter.Int64BitsToDouble(Volatile.Read(ref _latencyBits)));

    public NodeHealthState State => IsOpen ? NodeHealthState.Open : Epoch switch
    {
        EpochStatus.Ready => NodeHealthState.Healthy,
        EpochStatus.Filling => NodeHealthState.Filling,
        _ => NodeHealthState.Unverified,
    };

    /// <summary>The last timeout or connection error seen on the node (the reason its circuit opened), if any.</summary>
    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>
    /// The error of a skipped operation's outcome: it names the last failure seen (a timeout, a refused connection or
    /// authentication, …) as message and inner exception. Cached per failure: a skip must stay cheap.
    /// </summary>
    public NodeUnavailableException SkipError
    {
        get
        {
            var last = Volatile.Read(ref _lastFailure);
            var cached = _skipError;
            if (cached is not null && ReferenceEquals(cached.InnerException, last))
            {
                return cached;
            }

            var reason = last is null ? "its connection dropped or consecutive commands failed" : $"last failure: {last.Message}";
            return _skipError = new NodeUnavailableException(
                Name,
                NodeHealthState.Open,
                $"Node {Name} was skipped: its circuit is open ({reason}); a background probe closes it when the node answers again.",
                last);
        }
    }

    /// <summary>The error of a read answer that did not count because the node is filling or unverified (cached per state).</summary>
    public NodeUnavailableException NotCountedError
    {
        get
        {
            var state = State;
            var cached = _notCountedError;
            if (cached is not null && cached.State == state)
            {
                return cached;
            }

            var message = state switch
            {
                NodeHealthState.Filling => $"Node {Name} is refilling after a restart, empty or from data that may be older than what it acknowledged (epoch {EpochId}): its answer is used for read repair but does not count toward R until an anti-entropy pass has refilled it.",
                NodeHealthState.Open => SkipError.Message,
                _ => $"Node {Name} has not had its epoch verified since it (re)connected; it may have restarted empty, so its answer does not count toward R.",
            };
            return _notCountedError = new NodeUnavailableException(Name, state, message);
        }
    }

    /// <summary>Records an answer (any reply, error replies included) to a command sent at <paramref name="startTimestamp"/>.</summary>
    public void OnAnswer(long startTimestamp)
    {
        var sample = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        var average = BitConverter.Int64BitsToDouble(Volatile.Read(ref _latencyBits));

        // A lost update under contention only drops one sample from an average.
        var next = average == 0 ? sample : average + (LatencyWeight * (sample - average));
        Volatile.Write(ref _latencyBits, BitConverter.DoubleToInt64Bits(next));
        if (Volatile.Read(ref _failures) != 0)
        {
            Volatile.Write(ref _failures, 0);
        }
    }

    /// <summary>
    /// Records a command that failed with <paramref name="error"/>: a timeout or a connection error is a node failure
    /// (the circuit opens at the threshold); an error reply (WRONGTYPE, a script error) is an answer.
    /// </summary>
    public void Observe(Exception error, long startTimestamp)
    {
        switch (error)
        {
            case RedisServerException:
                OnAnswer(startTimestamp);
                break;
            case RedisTimeoutException or RedisConnectionException or TimeoutException:
                Volatile.Write(ref _lastFailure, error);
                OnFailure();
                break;
        }
    }

    /// <summary>Counts a failure; the one that reaches the threshold opens the circuit.</summary>
    public void OnFailure()
    {
        if (Interlocked.Increment(ref _failures) >= _threshold)
        {
            Open();
        }
    }

    /// <summary>The node's connection dropped: the circuit opens at once and the epoch must be verified again.</summary>
    public void OnConnectionLost()
    {
        bool opened;
        lock (_transitions)
        {
            Interlocked.Increment(ref _generation);
            Volatile.Write(ref _epoch, (int)EpochStatus.Unverified);
            opened = Interlocked.CompareExchange(ref _circuit, Opened, Closed) == Closed;
        }

        if (opened)
        {
            CircuitChanged?.Invoke(this, true);
        }
    }

    /// <summary>
    /// The node answered with its epoch: the epoch is verified (<paramref name="ready"/> or filling), failures are reset
    /// and the circuit closes. Ignored when the connection dropped after <paramref name="generation"/> was taken.
    /// </summary>
    /// <param name="id">The epoch id the node holds.</param>
    /// <param name="ready">Whether its state is ready (else filling).</param>
    /// <param name="generation">The <see cref="Generation"/> taken before the epoch was read.</param>
    /// <param name="previousId">The id verified before, when it differs (the node was wiped since this client last saw it).</param>
    /// <returns>Whether the answer was applied.</returns>
    public bool OnEpochVerified(string id, bool ready, int generation, out string? previousId)
    {
        previousId = null;
        bool closed;
        lock (_transitions)
        {
            if (Volatile.Read(ref _generation) != generation)
            {
                return false;
            }

            var previous = Interlocked.Exchange(ref _epochId, id);
            if (previous is not null && !string.Equals(previous, id, StringComparison.Ordinal))
            {
                previousId = previous;
            }

            Volatile.Write(ref _epoch, (int)(ready ? EpochStatus.Ready : EpochStatus.Filling));
            closed = Close();
        }

        if (closed)
        {
            CircuitChanged?.Invoke(this, false);
        }

        return true;
    }

    /// <summary>
    /// The node answered but its epoch cannot be verified (its epoch key is not a hash): the circuit closes (it takes
    /// writes), its reads do not count. Ignored when the connection dropped after <paramref name="generation"/> was taken.
    /// </summary>
    /// <returns>Whether the answer was applied.</returns>
    public bool OnEpochUnverifiable(int generation)
    {
        bool closed;
        lock (_transitions)
        {
            if (Volatile.Read(ref _generation) != generation)
            {
                return false;
            }

            Volatile.Write(ref _epoch, (int)EpochStatus.Unverified);
            closed = Close();
        }

        if (closed)
        {
            CircuitChanged?.Invoke(this, false);
        }

        return true;
    }

    public NodeHealthSnapshot Snapshot() => new(Name, State, LatencyAverage, ConsecutiveFailures, EpochId);

    /// <summary>Resets failures and closes the circuit (under the transition lock); true when it was open.</summary>
    private bool Close()
    {
        Volatile.Write(ref _failures, 0);
        return Interlocked.CompareExchange(ref _circuit, Closed, Opened) == Opened;
    }

    private void Open()
    {
        if (Interlocked.CompareExchange(ref _circuit, Opened, Closed) == Closed)
        {
            CircuitChanged?.Invoke(this, true);
        }
    }
}
