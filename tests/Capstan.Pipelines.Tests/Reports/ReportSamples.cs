namespace Capstan.Pipelines.Tests.Reports;

/// <summary>
/// Reports as the tools write them. <see cref="XunitTrx"/>, <see cref="Pytest"/> and <see cref="JestJunit"/> are real output
/// (<c>dotnet test --logger trx</c> with xunit.v3 3.2.2, pytest 7.2.1 <c>--junitxml</c>, jest 30 with jest-junit 17) of
/// small test suites written to fail, skip and error, with only the machine's folder renamed; the others mirror their
/// tools' structure, written by hand.
/// </summary>
internal static class ReportSamples
{
    /// <summary>
    /// xunit.v3: 6 tests; failed: an exception with a two-line message, a theory row, an assertion; skipped: one with a
    /// reason (outcome NotExecuted); passed: 2. Written with a byte order mark, as dotnet test writes it.
    /// </summary>
    public const string XunitTrx = """
<?xml version="1.0" encoding="utf-8"?>
<TestRun id="33b3203c-66bf-4e16-b51b-b019f6a1c4d7" name="@vm 2026-11-22 13:06:25" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Times creation="2026-11-22T13:06:25.7377975+00:00" queuing="2026-11-22T13:06:25.7377976+00:00" start="2026-11-22T13:06:18.2079439+00:00" finish="2026-11-22T13:06:25.7731501+00:00" />
  <TestSettings name="default" id="149715b2-4f93-4cfd-912e-02048818a14e">
    <Deployment runDeploymentRoot="_vm_2026-11-22_13_06_25" />
  </TestSettings>
  <Results>
    <UnitTestResult executionId="2384c5f2-ef3a-4f06-8d6b-063dc3463f14" testId="51dc3ba7-d913-cab9-5f3a-ea3eab26c407" testName="Shop.Tests.CartTests.Checkout_WithoutStock_Throws" computerName="vm" duration="00:00:00.0972612" startTime="2026-11-22T13:06:25.1604093+00:00" endTime="2026-11-22T13:06:25.4418214+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="2384c5f2-ef3a-4f06-8d6b-063dc3463f14">
      <Output>
        <ErrorInfo>
          <Message>System.InvalidOperationException : out of stock
second line</Message>
          <StackTrace>   at Shop.Tests.CartTests.Checkout_WithoutStock_Throws() in /src/shop/Tests.cs:line 20
   at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
   at System.Reflection.MethodBaseInvoker.InvokeWithNoArgs(Object obj, BindingFlags invokeAttr)</StackTrace>
        </ErrorInfo>
      </Output>
    </UnitTestResult>
    <UnitTestResult executionId="f7edf5c3-4189-42fd-a035-0a157eee48c5" testId="ace1770d-4f45-204c-fbfa-3eaec2c46bac" testName="Shop.Tests.CartTests.Quantity_IsPositive(quantity: 1)" computerName="vm" duration="00:00:00.0016918" startTime="2026-11-22T13:06:25.4450115+00:00" endTime="2026-11-22T13:06:25.4496257+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="f7edf5c3-4189-42fd-a035-0a157eee48c5">
      <Output>
        <ErrorInfo>
          <Message>quantity must be above one</Message>
          <StackTrace>   at Shop.Tests.CartTests.Quantity_IsPositive(Int32 quantity) in /src/shop/Tests.cs:line 17
   at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
   at System.Reflection.MethodBaseInvoker.InvokeDirectByRefWithFewArgs(Object obj, Span`1 copyOfArgs, BindingFlags invokeAttr)</StackTrace>
        </ErrorInfo>
      </Output>
    </UnitTestResult>
    <UnitTestResult executionId="7fe971a5-7371-4e24-b495-f25b6060ed5b" testId="23bc2c1e-cf97-3614-da3f-b72d2ff3e333" testName="Shop.Tests.CartTests.Total_WithTax_AddsTheTax" computerName="vm" duration="00:00:00.0010000" startTime="2026-11-22T13:06:25.0573339+00:00" endTime="2026-11-22T13:06:25.0921387+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="NotExecuted" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="7fe971a5-7371-4e24-b495-f25b6060ed5b">
      <Output>
        <ErrorInfo>
          <Message>the tax service is down</Message>
        </ErrorInfo>
      </Output>
    </UnitTestResult>
    <UnitTestResult executionId="c1ea7d15-55b4-4354-8413-41a64f232647" testId="2b28ccd9-0d9b-fb10-5604-77078a469930" testName="Shop.Tests.CartTests.Total_OfAnEmptyCart_IsZero" computerName="vm" duration="00:00:00.0064040" startTime="2026-11-22T13:06:25.4522037+00:00" endTime="2026-11-22T13:06:25.4586672+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="c1ea7d15-55b4-4354-8413-41a64f232647" />
    <UnitTestResult executionId="973122ef-a457-4444-bc58-17df731f154f" testId="78cd54ae-d8bd-fc6d-4bd6-df02c8336193" testName="Shop.Tests.CartTests.Total_WithADiscount_IsReduced" computerName="vm" duration="00:00:00.0037754" startTime="2026-11-22T13:06:25.4592465+00:00" endTime="2026-11-22T13:06:25.4634088+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="973122ef-a457-4444-bc58-17df731f154f">
      <Output>
        <ErrorInfo>
          <Message>Assert.Equal() Failure: Values differ
Expected: 90
Actual:   100</Message>
          <StackTrace>   at Shop.Tests.CartTests.Total_WithADiscount_IsReduced() in /src/shop/Tests.cs:line 9
   at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
   at System.Reflection.MethodBaseInvoker.InvokeWithNoArgs(Object obj, BindingFlags invokeAttr)</StackTrace>
        </ErrorInfo>
      </Output>
    </UnitTestResult>
    <UnitTestResult executionId="a45a06da-d07c-4430-bf76-1420004fe670" testId="f4df7c7e-f346-45d6-f142-59aee63e800c" testName="Shop.Tests.CartTests.Quantity_IsPositive(quantity: 2)" computerName="vm" duration="00:00:00.0009729" startTime="2026-11-22T13:06:25.4500542+00:00" endTime="2026-11-22T13:06:25.4516977+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="a45a06da-d07c-4430-bf76-1420004fe670" />
  </Results>
  <TestDefinitions>
    <UnitTest name="Shop.Tests.CartTests.Total_OfAnEmptyCart_IsZero" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="2b28ccd9-0d9b-fb10-5604-77078a469930">
      <Execution id="c1ea7d15-55b4-4354-8413-41a64f232647" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Total_OfAnEmptyCart_IsZero" />
    </UnitTest>
    <UnitTest name="Shop.Tests.CartTests.Checkout_WithoutStock_Throws" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="51dc3ba7-d913-cab9-5f3a-ea3eab26c407">
      <Execution id="2384c5f2-ef3a-4f06-8d6b-063dc3463f14" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Checkout_WithoutStock_Throws" />
    </UnitTest>
    <UnitTest name="Shop.Tests.CartTests.Quantity_IsPositive(quantity: 1)" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="ace1770d-4f45-204c-fbfa-3eaec2c46bac">
      <Execution id="f7edf5c3-4189-42fd-a035-0a157eee48c5" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Quantity_IsPositive" />
    </UnitTest>
    <UnitTest name="Shop.Tests.CartTests.Quantity_IsPositive(quantity: 2)" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="f4df7c7e-f346-45d6-f142-59aee63e800c">
      <Execution id="a45a06da-d07c-4430-bf76-1420004fe670" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Quantity_IsPositive" />
    </UnitTest>
    <UnitTest name="Shop.Tests.CartTests.Total_WithADiscount_IsReduced" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="78cd54ae-d8bd-fc6d-4bd6-df02c8336193">
      <Execution id="973122ef-a457-4444-bc58-17df731f154f" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Total_WithADiscount_IsReduced" />
    </UnitTest>
    <UnitTest name="Shop.Tests.CartTests.Total_WithTax_AddsTheTax" storage="/src/shop/bin/debug/net10.0/trxgen.dll" id="23bc2c1e-cf97-3614-da3f-b72d2ff3e333">
      <Execution id="7fe971a5-7371-4e24-b495-f25b6060ed5b" />
      <TestMethod codeBase="/src/shop/bin/Debug/net10.0/TrxGen.dll" adapterTypeName="executor://xunit/VsTestRunner3/netcore/" className="Shop.Tests.CartTests" name="Total_WithTax_AddsTheTax" />
    </UnitTest>
  </TestDefinitions>
  <TestEntries>
    <TestEntry testId="51dc3ba7-d913-cab9-5f3a-ea3eab26c407" executionId="2384c5f2-ef3a-4f06-8d6b-063dc3463f14" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestEntry testId="ace1770d-4f45-204c-fbfa-3eaec2c46bac" executionId="f7edf5c3-4189-42fd-a035-0a157eee48c5" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestEntry testId="23bc2c1e-cf97-3614-da3f-b72d2ff3e333" executionId="7fe971a5-7371-4e24-b495-f25b6060ed5b" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestEntry testId="2b28ccd9-0d9b-fb10-5604-77078a469930" executionId="c1ea7d15-55b4-4354-8413-41a64f232647" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestEntry testId="78cd54ae-d8bd-fc6d-4bd6-df02c8336193" executionId="973122ef-a457-4444-bc58-17df731f154f" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestEntry testId="f4df7c7e-f346-45d6-f142-59aee63e800c" executionId="a45a06da-d07c-4430-bf76-1420004fe670" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
  </TestEntries>
  <TestLists>
    <TestList name="Results Not in a List" id="8c84fa94-04c1-424b-9868-57a2d4851a1d" />
    <TestList name="All Loaded Results" id="19431567-8539-422a-85d7-44ee4e166bda" />
  </TestLists>
  <ResultSummary outcome="Failed">
    <Counters total="6" executed="5" passed="2" failed="3" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
    <Output>
      <StdOut>[xUnit.net 00:00:00.00] xUnit.net VSTest Adapter v3.1.5+1b188a7b0a (64-bit .NET 10.0.12)
[xUnit.net 00:00:00.94]   Discovering: TrxGen
[xUnit.net 00:00:02.12]   Discovered:  TrxGen
[xUnit.net 00:00:03.85]   Starting:    TrxGen
[xUnit.net 00:00:04.46]       the tax service is down
[xUnit.net 00:00:04.71]       System.InvalidOperationException : out of stock
[xUnit.net 00:00:04.71]       second line
[xUnit.net 00:00:04.71]       Stack Trace:
[xUnit.net 00:00:04.71]         /src/shop/Tests.cs(20,0): at Shop.Tests.CartTests.Checkout_WithoutStock_Throws()
[xUnit.net 00:00:04.71]            at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
[xUnit.net 00:00:04.71]            at System.Reflection.MethodBaseInvoker.InvokeWithNoArgs(Object obj, BindingFlags invokeAttr)
[xUnit.net 00:00:04.72]       quantity must be above one
[xUnit.net 00:00:04.72]       Stack Trace:
[xUnit.net 00:00:04.72]         /src/shop/Tests.cs(17,0): at Shop.Tests.CartTests.Quantity_IsPositive(Int32 quantity)
[xUnit.net 00:00:04.72]            at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
[xUnit.net 00:00:04.72]            at System.Reflection.MethodBaseInvoker.InvokeDirectByRefWithFewArgs(Object obj, Span`1 copyOfArgs, BindingFlags invokeAttr)
[xUnit.net 00:00:04.73]       Assert.Equal() Failure: Values differ
[xUnit.net 00:00:04.73]       Expected: 90
[xUnit.net 00:00:04.73]       Actual:   100
[xUnit.net 00:00:04.73]       Stack Trace:
[xUnit.net 00:00:04.73]         /src/shop/Tests.cs(9,0): at Shop.Tests.CartTests.Total_WithADiscount_IsReduced()
[xUnit.net 00:00:04.73]            at System.Reflection.MethodBaseInvoker.InterpretedInvoke_Method(Object obj, IntPtr* args)
[xUnit.net 00:00:04.73]            at System.Reflection.MethodBaseInvoker.InvokeWithNoArgs(Object obj, BindingFlags invokeAttr)
[xUnit.net 00:00:04.74]   Finished:    TrxGen (ID = '2272140ce9fd6f410f2e40646d112dbd38f5e3965b97d893073782caf0b09362')
Test 'Shop.Tests.CartTests.Total_WithTax_AddsTheTax' was skipped in the test run.
</StdOut>
    </Output>
    <RunInfos>
      <RunInfo computerName="vm" outcome="Warning" timestamp="2026-11-22T13:06:25.4381899+00:00">
        <Text>[xUnit.net 00:00:04.46]     Shop.Tests.CartTests.Total_WithTax_AddsTheTax [SKIP]</Text>
      </RunInfo>
      <RunInfo computerName="vm" outcome="Error" timestamp="2026-11-22T13:06:25.4607294+00:00">
        <Text>[xUnit.net 00:00:04.71]     Shop.Tests.CartTests.Checkout_WithoutStock_Throws [FAIL]</Text>
      </RunInfo>
      <RunInfo computerName="vm" outcome="Error" timestamp="2026-11-22T13:06:25.4720661+00:00">
        <Text>[xUnit.net 00:00:04.72]     Shop.Tests.CartTests.Quantity_IsPositive(quantity: 1) [FAIL]</Text>
      </RunInfo>
      <RunInfo computerName="vm" outcome="Error" timestamp="2026-11-22T13:06:25.4797168+00:00">
        <Text>[xUnit.net 00:00:04.73]     Shop.Tests.CartTests.Total_WithADiscount_IsReduced [FAIL]</Text>
      </RunInfo>
    </RunInfos>
  </ResultSummary>
</TestRun>
""";

    /// <summary>
    /// pytest (junit_family xunit2): 7 tests in one suite; failed: an assertion (failure) and a fixture error (error);
    /// skipped: a skip and an xfail; passed: 3.
    /// </summary>
    public const string Pytest = """
<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="2" tests="7" time="0.048" timestamp="2026-11-22T13:15:16.061767" hostname="vm"><testcase classname="tests.test_cart" name="test_empty_cart_total_is_zero" time="0.000" /><testcase classname="tests.test_cart" name="test_discount[0]" time="0.001" /><testcase classname="tests.test_cart" name="test_discount[10]" time="0.001"><failure message="assert 90 == 100&#10; +  where 90 = total([100], 10)">discount = 10

    @pytest.mark.parametrize("discount", [0, 10])
    def test_discount(discount):
&gt;       assert total([100], discount) == 100
E       assert 90 == 100
E        +  where 90 = total([100], 10)

tests/test_cart.py:14: AssertionError</failure></testcase><testcase classname="tests.test_cart" name="test_tax" time="0.000"><skipped type="pytest.skip" message="tax service is down">/src/shop/tests/test_cart.py:17: tax service is down</skipped></testcase><testcase classname="tests.test_cart" name="test_checkout" time="0.000"><error message="failed on setup with &quot;ConnectionError: database is down&quot;">@pytest.fixture
    def database():
&gt;       raise ConnectionError("database is down")
E       ConnectionError: database is down

tests/test_cart.py:24: ConnectionError</error></testcase><testcase classname="tests.test_cart.TestShipping" name="test_free_over_fifty" time="0.000" /><testcase classname="tests.test_cart.TestShipping" name="test_rounding" time="0.000"><skipped type="pytest.xfail" message="rounding is not done yet" /></testcase></testsuite></testsuites>
""";

    /// <summary>
    /// jest-junit: 6 tests in 2 suites (the summary says 5 and 4); failed: 2 (no message attribute, the text starts with
    /// the error); skipped: 1; passed: 3, one of them a <c>test.todo</c>, which jest-junit writes as an empty test case.
    /// </summary>
    public const string JestJunit = """
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="5" failures="2" errors="0" time="0.657">
  <testsuite name="Cart" errors="0" failures="2" skipped="1" timestamp="2026-11-22T13:15:50" time="0.384" tests="4">
    <testcase classname="Cart total is zero when empty" name="Cart total is zero when empty" time="0.005">
    </testcase>
    <testcase classname="Cart applies a discount" name="Cart applies a discount" time="0.004">
      <failure>Error: expect(received).toBe(expected) // Object.is equality

Expected: 100
Received: 90
    at Object.toBe (/src/shop/src/cart.test.js:9:30)
    at Promise.finally.completed (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1834:28)
    at new Promise (&lt;anonymous&gt;)
    at callAsyncCircusFn (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1774:10)
    at _callCircusTest (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1167:40)
    at _runTestInContext (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1103:3)
    at runTestWithContext (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:996:5)
    at _runTestsForDescribeBlockOnce (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1008:11)
    at _runTestsForDescribeBlock (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:824:5)
    at _runTestsForDescribeBlockOnce (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1003:11)
    at _runTestsForDescribeBlock (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:824:5)
    at run (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:789:3)
    at runAndTransformResultsToJestFormat (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:2300:21)
    at jestAdapter (/src/shop/node_modules/jest-circus/build/runner.js:111:19)
    at runTestInternal (/src/shop/node_modules/jest-runner/build/index.js:247:16)
    at runTest (/src/shop/node_modules/jest-runner/build/index.js:315:7)</failure>
    </testcase>
    <testcase classname="Cart adds tax" name="Cart adds tax" time="0">
      <skipped/>
    </testcase>
    <testcase classname="Cart ships abroad" name="Cart ships abroad" time="0">
    </testcase>
    <testcase classname="Cart checkout needs stock" name="Cart checkout needs stock" time="0.001">
      <failure>Error: out of stock
    at Object.&lt;anonymous&gt; (/src/shop/src/cart.test.js:18:13)
    at Promise.finally.completed (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1834:28)
    at new Promise (&lt;anonymous&gt;)
    at callAsyncCircusFn (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1774:10)
    at _callCircusTest (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1167:40)
    at _runTestInContext (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1103:3)
    at runTestWithContext (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:996:5)
    at _runTestsForDescribeBlockOnce (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1008:11)
    at _runTestsForDescribeBlock (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:824:5)
    at _runTestsForDescribeBlockOnce (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1003:11)
    at _runTestsForDescribeBlock (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:824:5)
    at _runTestsForDescribeBlockOnce (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:1003:11)
    at _runTestsForDescribeBlock (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:824:5)
    at run (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:789:3)
    at runAndTransformResultsToJestFormat (/src/shop/node_modules/jest-circus/build/jestAdapterInit.js:2300:21)
    at jestAdapter (/src/shop/node_modules/jest-circus/build/runner.js:111:19)
    at runTestInternal (/src/shop/node_modules/jest-runner/build/index.js:247:16)
    at runTest (/src/shop/node_modules/jest-runner/build/index.js:315:7)</failure>
    </testcase>
  </testsuite>
  <testsuite name="undefined" errors="0" failures="0" skipped="0" timestamp="2026-11-22T13:15:50" time="0.09" tests="1">
    <testcase classname=" top-level test passes" name=" top-level test passes" time="0.003">
    </testcase>
  </testsuite>
</testsuites>
""";

    /// <summary>
    /// go-junit-report (v2 shape): 6 test cases in 2 packages, subtests as their own cases; failed: 3 (a parent test, a
    /// subtest whose output is in the text, a build error); skipped: 1; passed: 2.
    /// </summary>
    public const string GoJunitReport = """
<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="6" failures="2" errors="1" skipped="1">
	<testsuite name="example.com/shop/cart" tests="5" failures="2" errors="0" id="0" hostname="ci-runner" skipped="1" time="0.004" timestamp="2026-11-20T10:00:00Z">
		<properties>
			<property name="go.version" value="go1.22.5 linux/amd64"></property>
		</properties>
		<testcase name="TestTotal" classname="example.com/shop/cart" time="0.000"></testcase>
		<testcase name="TestDiscount" classname="example.com/shop/cart" time="0.001">
			<failure message="Failed"></failure>
		</testcase>
		<testcase name="TestDiscount/ten_percent" classname="example.com/shop/cart" time="0.000">
			<failure message="Failed"><![CDATA[    cart_test.go:21: total = 100, want 90
    cart_test.go:22: discount was not applied]]></failure>
		</testcase>
		<testcase name="TestDiscount/none" classname="example.com/shop/cart" time="0.000"></testcase>
		<testcase name="TestTax" classname="example.com/shop/cart" time="0.000">
			<skipped message="Skipped"><![CDATA[    cart_test.go:30: tax service is down]]></skipped>
		</testcase>
		<system-out><![CDATA[exit status 1]]></system-out>
	</testsuite>
	<testsuite name="example.com/shop/checkout" tests="1" failures="0" errors="1" id="1" hostname="ci-runner" time="0.000" timestamp="2026-11-20T10:00:00Z">
		<testcase name="[build failed]" classname="example.com/shop/checkout" time="0.000">
			<error message="Build error"><![CDATA[# example.com/shop/checkout [example.com/shop/checkout.test]
./checkout_test.go:9:2: undefined: Stock]]></error>
		</testcase>
	</testsuite>
</testsuites>
""";

    /// <summary>
    /// Maven Surefire 3 (JUnit 5): one suite as the root; failed: 1 failure and 1 error; skipped: 1; passed: 2, one of them
    /// flaky (a <c>flakyFailure</c> before passing on a rerun).
    /// </summary>
    public const string Surefire = """
<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.2.xsd" version="3.0.2" name="com.example.shop.CartTest" time="0.087" tests="5" errors="1" skipped="1" failures="1">
  <properties>
    <property name="java.version" value="17.0.12"/>
    <property name="os.name" value="Linux"/>
    <property name="surefire.test.class.path" value="/src/shop/target/test-classes:/src/shop/target/classes"/>
  </properties>
  <testcase name="totalOfAnEmptyCartIsZero" classname="com.example.shop.CartTest" time="0.012"/>
  <testcase name="discountIsApplied" classname="com.example.shop.CartTest" time="0.004">
    <failure message="expected: &lt;90&gt; but was: &lt;100&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <90> but was: <100>
	at org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)
	at org.junit.jupiter.api.AssertEquals.assertEquals(AssertEquals.java:150)
	at com.example.shop.CartTest.discountIsApplied(CartTest.java:21)
]]></failure>
    <system-out><![CDATA[applying a discount of 10
]]></system-out>
  </testcase>
  <testcase name="taxIsAdded" classname="com.example.shop.CartTest" time="0">
    <skipped message="tax service is down"/>
  </testcase>
  <testcase name="checkoutNeedsStock" classname="com.example.shop.CartTest" time="0.002">
    <error message="out of stock" type="java.lang.IllegalStateException"><![CDATA[java.lang.IllegalStateException: out of stock
	at com.example.shop.Cart.checkout(Cart.java:40)
	at com.example.shop.CartTest.checkoutNeedsStock(CartTest.java:33)
]]></error>
  </testcase>
  <testcase name="priceIsRounded" classname="com.example.shop.CartTest" time="0.003">
    <flakyFailure message="expected: &lt;2.68&gt; but was: &lt;2.67&gt;" type="org.opentest4j.AssertionFailedError">
      <stackTrace><![CDATA[org.opentest4j.AssertionFailedError: expected: <2.68> but was: <2.67>
	at com.example.shop.CartTest.priceIsRounded(CartTest.java:40)
]]></stackTrace>
      <system-out><![CDATA[first attempt
]]></system-out>
    </flakyFailure>
  </testcase>
</testsuite>
""";

    /// <summary>
    /// MSTest's TRX shape for a data-driven test: a parent result with two data rows (one failed), and a plain passing
    /// test. The summary counters (total 1) are wrong on purpose.
    /// </summary>
    public const string MstestDataRows = """
<?xml version="1.0" encoding="UTF-8"?>
<TestRun id="5b0c1c56-4f2e-4a8e-9a55-0c2b1f1f8e01" name="ci@runner 2026-11-20 10:00:00" runUser="ci" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Times creation="2026-11-20T10:00:00.0000000+00:00" queuing="2026-11-20T10:00:00.0000000+00:00" start="2026-11-20T09:59:58.0000000+00:00" finish="2026-11-20T10:00:00.5000000+00:00" />
  <Results>
    <UnitTestResult executionId="0b0c4c1d-0001-4000-8000-000000000001" testId="7f1e3c2a-0001-4000-8000-000000000001" testName="Add" computerName="runner" duration="00:00:00.0200000" startTime="2026-11-20T09:59:59.0000000+00:00" endTime="2026-11-20T09:59:59.0200000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="0b0c4c1d-0001-4000-8000-000000000001" resultType="DataDrivenTest">
      <InnerResults>
        <UnitTestResult executionId="0b0c4c1d-0002-4000-8000-000000000002" parentExecutionId="0b0c4c1d-0001-4000-8000-000000000001" testId="7f1e3c2a-0001-4000-8000-000000000001" testName="Add (1,2,3)" computerName="runner" duration="00:00:00.0010000" startTime="2026-11-20T09:59:59.0000000+00:00" endTime="2026-11-20T09:59:59.0010000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="0b0c4c1d-0002-4000-8000-000000000002" dataRowInfo="1" resultType="DataDrivenDataRow" />
        <UnitTestResult executionId="0b0c4c1d-0003-4000-8000-000000000003" parentExecutionId="0b0c4c1d-0001-4000-8000-000000000001" testId="7f1e3c2a-0001-4000-8000-000000000001" testName="Add (2,2,5)" computerName="runner" duration="00:00:00.0010000" startTime="2026-11-20T09:59:59.0010000+00:00" endTime="2026-11-20T09:59:59.0020000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Failed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="0b0c4c1d-0003-4000-8000-000000000003" dataRowInfo="2" resultType="DataDrivenDataRow">
          <Output>
            <ErrorInfo>
              <Message>Assert.AreEqual failed. Expected:&lt;5&gt;. Actual:&lt;4&gt;. </Message>
              <StackTrace>   at Calc.Tests.MathTests.Add(Int32 a, Int32 b, Int32 sum) in /src/calc/MathTests.cs:line 12</StackTrace>
            </ErrorInfo>
          </Output>
        </UnitTestResult>
      </InnerResults>
    </UnitTestResult>
    <UnitTestResult executionId="0b0c4c1d-0004-4000-8000-000000000004" testId="7f1e3c2a-0002-4000-8000-000000000002" testName="Divide_ByZero_Throws" computerName="runner" duration="00:00:00.0030000" startTime="2026-11-20T09:59:59.0030000+00:00" endTime="2026-11-20T09:59:59.0060000+00:00" testType="13cdc9d9-ddb5-4fa4-a97d-d965ccfc6d4b" outcome="Passed" testListId="8c84fa94-04c1-424b-9868-57a2d4851a1d" relativeResultsDirectory="0b0c4c1d-0004-4000-8000-000000000004" />
  </Results>
  <ResultSummary outcome="Failed">
    <Counters total="1" executed="1" passed="0" failed="1" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
  </ResultSummary>
</TestRun>
""";
}
