using System.Runtime.InteropServices;

namespace AnarchoRedis.Testing.Processes;

/// <summary>POSIX signals, sent to one pid only.</summary>
internal static class NativeMethods
{
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // Two ints: no marshalling, and LibraryImport would need unsafe code in the project.
    public static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}
