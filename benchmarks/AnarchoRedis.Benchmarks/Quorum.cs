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

    public static Task<bool> WhenAsync(int required, Task a, Task b, Task c)
    {
        var quorum = new Quorum(required, 3);
        a.ContinueWith(OnCompleted, quorum, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        b.ContinueWith(OnCompleted, quorum, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        c.ContinueWith(OnCompleted, quorum, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return quorum._done.Task;
    }

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
