using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Capstan.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
