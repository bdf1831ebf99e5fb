using System;
using System.Threading.Tasks;

namespace AnarchoRedis.Jepsen;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        await Task.Yield();
        Console.WriteLine(string.Join(",", args));
        return 0;
    }
}
