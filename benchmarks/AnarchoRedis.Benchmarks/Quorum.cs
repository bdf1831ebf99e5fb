using System;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// The hand-written "wait for k of n" used by the non-SDK fan-out cases: one counter and one
/// TaskCompletionSource per operation, continuations run synchronously (as the SDK's QuorumCall does).
/// It fails only when too many nodes failed for k to be reachable.
/// </summary>
internal sealed class Quorum
{
    private static readonly Action<Task, object?> OnCompleted = static (task, state) => ((Quorum)state!).Signal(task);

    private readonly TaskCompletionSource<bool> _done = new();
    private readonly int _required;
    private readonly int _tolerated;
    private int _succeeded;
    private int _failed;

    private Quorum(int required, int total)
    {
        _required = required;
        _tolerated = total - required;
    }

    /// <summary>Completes when <paramref name="required"/> of the <paramref name="total"/> tasks then given to <see cref="Add"/> succeeded.</summary>
    public static Quorum Of(int required, int total) => new(required, total);

    /// <summary>"k of these three" (the micro-benchmarks' bare rows).</summary>
    public static Task<bool> WhenAsync(int required, Task a, Task b, Task c)
    {
        var quorum = new Quorum(required, 3);
        quorum.Add(a);
        quorum.Add(b);
        quorum.Add(c);
        return quorum.Outcome;
    }

    /// <summary>The outcome: true at k successes, failed when k can no longer be reached.</summary>
    public Task<bool> Outcome => _done.Task;

    /// <summary>One node's command.</summary>
    public void Add(Task node) =>
        node.ContinueWith(OnCompleted, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void Signal(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            if (Interlocked.Increment(ref _succeeded) == _required)
            {
                _done.TrySetResult(true);
            }
        }
        else if (Interlocked.Increment(ref _failed) == _tolerated + 1)
        {
            _done.TrySetException(task.Exception?.InnerException ?? new InvalidOperationException("A node command failed."));
        }
    }
}
